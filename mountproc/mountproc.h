/*
 * mountproc: creates build sandboxes and binds store paths into running
 * ones, on builderproc's request; it parses nothing but its own imsgs.
 */
#ifndef RNIXD_MOUNTPROC_H
#define RNIXD_MOUNTPROC_H

#include "imsg.h"
#include "proc.h"

struct mount_peer {
	enum proc_type	 mp_proc;
	struct imsgbuf	*mp_ibuf;
	int		(*mp_dispatch)(struct mount_peer *, struct imsg *);
};

#endif /* RNIXD_MOUNTPROC_H */
