/*
 * Dropping root: the user, the groups and all capabilities but a
 * named few, in the order that cannot be undone.
 */
#ifndef RNIXD_PRIV_H
#define RNIXD_PRIV_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

void	priv_drop(uid_t, gid_t, const int *caps, size_t ncaps);
void	priv_reduce_caps(const int *caps, size_t ncaps);
int	priv_caps_mask(const int *, size_t, uint64_t *);
/* The effective capability set as /proc/self/status shows it. */
uint64_t priv_effective_caps(void);

#endif /* RNIXD_PRIV_H */
