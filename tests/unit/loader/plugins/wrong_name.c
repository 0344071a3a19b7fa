/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A test plugin whose descriptor names another plugin than its file. */
#include <kres/kres.h>

KR_PLUGIN_DECLARE(.name = "other_name");
