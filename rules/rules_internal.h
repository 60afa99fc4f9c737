/*
 * rules_internal.h - struct bodies shared by the files of rules/ and by no
 * one else (rules.h is the module's outside).
 */
#ifndef TFLEDGER_RULES_INTERNAL_H
#define TFLEDGER_RULES_INTERNAL_H

#include "common/err.h"
#include "rules/rules.h"

/* A trip report is due this many days after the meeting ends when the
 * policy has no <reportGrace> (issue 15: the Secretariat's practice). */
#define RULES_REPORT_GRACE_DAYS_DEFAULT 30

struct rules_policy {
	char *path;
	char id[72];
	char version[72];
	char sha256[HASH_HEX_BYTES];
	int32_t effective_from, effective_until;
	int deadline_days;
	int report_grace_days;        /* <reportGrace daysAfterMeeting> */
	int gates[RULES_GATE_COUNT];  /* enum rules_gate, in the policy's order */
	int ngates;
	int keys[RULES_KEY_COUNT];    /* enum rules_key, in the policy's order */
	int nkeys;
	enum rules_allocation allocation;
};

#endif
