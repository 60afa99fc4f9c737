/*
 * table.h - aligned terminal tables of JSON rows, for the tfledger families
 * whose answers are arrays of JSON objects (fund, travel).
 */
#ifndef TFLEDGER_CLI_TABLE_H
#define TFLEDGER_CLI_TABLE_H

#include <jansson.h>
#include <stdbool.h>

/* A column: the row object's key ("a.b" reads b inside object a), its
 * header, and whether it is right-aligned (amounts, counts). */
struct cli_col {
	const char *key, *header;
	bool right;
};

/* Prints rows (a JSON array of objects) under cols (ended by a NULL key)
 * on stdout; strings as they are, integers in decimal, anything else "-". */
void cli_print_table(json_t *rows, const struct cli_col *cols);

#endif
