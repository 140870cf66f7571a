/*
 * Names of processes and message types, for logs.
 */
#include <stddef.h>

#include "proc.h"

static const char *const proc_names[PROC_MAX] = {
	[PROC_PARENT] = "parent",
	[PROC_STORE] = "storeproc",
	[PROC_BUILDER] = "builderproc",
	[PROC_MOUNT] = "mountproc",
};

static const char *const imsg_names[IMSG_TYPE_MAX] = {
	[IMSG_NONE] = "NONE",
	[IMSG_CTL_PEER] = "CTL_PEER",
	[IMSG_CTL_LISTEN] = "CTL_LISTEN",
	[IMSG_CTL_READY] = "CTL_READY",
	[IMSG_CTL_VERBOSE] = "CTL_VERBOSE",
	[IMSG_CTL_CRED_REQ] = "CTL_CRED_REQ",
	[IMSG_CTL_CRED_REPLY] = "CTL_CRED_REPLY",
	[IMSG_CFG_START] = "CFG_START",
	[IMSG_CFG_TEXT] = "CFG_TEXT",
	[IMSG_CFG_DONE] = "CFG_DONE",
	[IMSG_STORE_PING] = "STORE_PING",
	[IMSG_STORE_PONG] = "STORE_PONG",
	[IMSG_MOUNT_PING] = "MOUNT_PING",
	[IMSG_MOUNT_PONG] = "MOUNT_PONG",
};

const char *
proc_name(enum proc_type type)
{
	if ((unsigned int)type >= PROC_MAX)
		return ("unknown");
	return (proc_names[type]);
}

const char *
imsg_type_name(uint32_t type)
{
	if (type >= IMSG_TYPE_MAX || imsg_names[type] == NULL)
		return ("UNKNOWN");
	return (imsg_names[type]);
}
