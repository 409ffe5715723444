/*
 * jsonerr.h - what a failed jansson load (json_loads, json_loadb,
 * json_load_file) failed of: running out of memory, or the text.
 */
#ifndef JSONERR_H
#define JSONERR_H

#include <jansson.h>

/* 1 when the load that filled je returned NULL because an allocation
 * failed: jansson gives json_error_out_of_memory on some such paths and no
 * message at all on the others (a value it could not allocate), while every
 * mistake of the text has a message.  0 when the text is at fault. */
int jsonerr_oom(const json_error_t *je);

#endif
