# Turns common/iso4217.tsv into the C table used by common/money.c.
# Refuses malformed rows so that a bad edit fails the build, not a payment.
BEGIN {
	FS = "\t"
	print "/* Generated from common/iso4217.tsv by common/gen_iso4217.awk. */"
	print "#include \"common/iso4217.h\""
	print "const struct iso4217_currency iso4217_table[] = {"
	n = 0
}
/^#/ || /^$/ { next }
{
	if (NF != 4 || $1 !~ /^[A-Z][A-Z][A-Z]$/ || $2 !~ /^[0-4]$/ ||
	    ($3 != "active" && $3 != "historic")) {
		printf "iso4217.tsv:%d: malformed row\n", NR > "/dev/stderr"
		exit 1
	}
	if ($1 <= last) {
		printf "iso4217.tsv:%d: %s out of order\n", NR, $1 > "/dev/stderr"
		exit 1
	}
	last = $1
	printf "\t{\"%s\", %s, %d},\n", $1, $2, $3 == "historic"
	n++
}
END {
	print "};"
	printf "const unsigned iso4217_count = %d;\n", n
}
