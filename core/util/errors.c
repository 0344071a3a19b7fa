/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Error codes to text. */
#include <string.h>
#include <kres/defines.h>

const char *kr_strerror(int err)
{
	switch (err) {
	case KR_EOK: return "OK";
	case KR_EMALF: return "malformed data";
	case KR_ESPACE: return "not enough space";
	case KR_EABI: return "plugin ABI mismatch";
	case KR_ELIMIT: return "resolution limit reached";
	case KR_ESECTION: return "section written out of order";
	case KR_ETYPE: return "unknown or unsupported type";
	case KR_ELOOP: return "loop detected";
	case KR_ENOPLUGIN: return "plugin not found";
	case KR_EPRECEDENCE: return "precedence names a plugin that is not loaded";
	default:
		if (err < 0 && err > -1000)
			return strerror(-err);
		return "unknown error";
	}
}
