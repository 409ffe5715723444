/* jsonerr.c - see jsonerr.h */
#include "jsonerr.h"

int jsonerr_oom(const json_error_t *je)
{
	return !je->text[0] || json_error_code(je) == json_error_out_of_memory;
}
