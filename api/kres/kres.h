/* SPDX-License-Identifier: GPL-3.0-or-later */
/** Everything a plugin may use: include this one header. */
#pragma once

#include <kres/defines.h>
#include <kres/log.h>
#include <kres/dname.h>
#include <kres/rrset.h>
#include <kres/pkt.h>
#include <kres/plugin.h>
#include <kres/request.h>
#include <kres/service.h>
#include <kres/tls.h>
#include <kres/cache.h>
#include <kres/validate.h>
#include <kres/answer_cache.h>
