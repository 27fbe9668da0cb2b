/* errno for hullvm programs. Only strtol and its family set it, to ERANGE. */
#ifndef HULLVM_ERRNO_H
#define HULLVM_ERRNO_H

extern int errno;

#define EDOM 33
#define ERANGE 34
#define EINVAL 22

#endif
