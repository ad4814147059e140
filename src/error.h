/*
 * error.h - the error codes every vigie module returns.
 *
 * Functions that can fail return 0 on success or a negative VIGIE_E* value;
 * details, when there are any, go into a caller-owned out-parameter.
 */
#ifndef VIGIE_ERROR_H
#define VIGIE_ERROR_H

enum vigie_err {
    VIGIE_OK = 0,
    VIGIE_ENOMEM = -1,   /* an allocation failed */
    VIGIE_EINVAL = -2,   /* invalid argument or malformed input */
    VIGIE_EUTF8 = -3,    /* input is not valid UTF-8 */
    VIGIE_ETOOLONG = -4, /* input is over a size limit */
    VIGIE_EIO = -5,      /* a file or directory could not be read */
    VIGIE_ENOENT = -6,   /* no such intent, file or key */
    VIGIE_ELIMIT = -7,   /* a regex hit its match or depth limit */
    VIGIE_ECHECK = -8,   /* intent files failed validation */
};

/* Returns a static English description of 'err'; never NULL. */
const char *vigie_strerror(int err);

#endif
