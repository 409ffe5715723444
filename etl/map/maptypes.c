/* maptypes.c - the names of the mapping operations (maptypes.h). */
#include "maptypes.h"

const char *mapping_op_name(enum map_op op)
{
	switch (op) {
	case MAP_UPSERT: return "upsert";
	case MAP_INSERT: return "insert";
	case MAP_UPDATE: return "update";
	case MAP_DELETE: return "delete";
	}
	return "?";
}
