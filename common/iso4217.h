/*
 * iso4217.h - the ISO 4217 table generated from common/iso4217.tsv, sorted
 * by code so it can be searched with bsearch. Private to common/money.c.
 */
#ifndef TFLEDGER_ISO4217_H
#define TFLEDGER_ISO4217_H

struct iso4217_currency {
	char code[4];
	unsigned char digits;
	unsigned char historic;
};

extern const struct iso4217_currency iso4217_table[];
extern const unsigned iso4217_count;

#endif
