/*
 * storeproc: the only writer of the store and its database.
 */
#ifndef RNIXD_STOREPROC_H
#define RNIXD_STOREPROC_H

#include "config.h"

/* store_confine.c */
void	store_confine(const struct rnixd_conf *);

#endif /* RNIXD_STOREPROC_H */
