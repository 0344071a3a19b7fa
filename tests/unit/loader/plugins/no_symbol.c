/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A shared object that is not a kresd plugin: no descriptor symbol. */
#include <kres/kres.h>

KR_EXPORT int no_symbol_answer(void);

KR_EXPORT int no_symbol_answer(void)
{
	return 42;
}
