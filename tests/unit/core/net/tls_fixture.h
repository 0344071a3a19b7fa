/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A self-signed P-256 certificate for unit.lab (valid until 2126) with its key,
 * an unrelated key, and the certificate's SPKI pin as openssl computes it:
 *   openssl x509 -pubkey -noout | openssl pkey -pubin -outform DER |
 *   openssl dgst -sha256 -binary | base64
 * Made for these tests only; the keys protect nothing.
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <check.h>

static const char fixture_cert_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBkjCCATigAwIBAgIUQ/j/1T0jaPIfcpBYrGygDf07KAAwCgYIKoZIzj0EAwIw\n"
	"EzERMA8GA1UEAwwIdW5pdC5sYWIwIBcNMjYxMTI2MDA1MzI4WhgPMjEyNjExMDIw\n"
	"MDUzMjhaMBMxETAPBgNVBAMMCHVuaXQubGFiMFkwEwYHKoZIzj0CAQYIKoZIzj0D\n"
	"AQcDQgAE9nNzZ5CrzjQ9rYYeA+8Gr3TdbnEB4JPMg47F8y9bZTxSSqrha1JNon2i\n"
	"v5BNOonw+wyDgIA69M1FdPt3V6LXq6NoMGYwHQYDVR0OBBYEFEY4whW4eu+KTOw0\n"
	"26EkBYOF7lURMB8GA1UdIwQYMBaAFEY4whW4eu+KTOw026EkBYOF7lURMA8GA1Ud\n"
	"EwEB/wQFMAMBAf8wEwYDVR0RBAwwCoIIdW5pdC5sYWIwCgYIKoZIzj0EAwIDSAAw\n"
	"RQIgBIRLv0+ZlcBrki/2lFLQa05eLDB7xevvB0yyXY1GMjECIQCvxQ9xVKpz07He\n"
	"obcgjB102H8BaJ4AWthtOll18yhyww==\n"
	"-----END CERTIFICATE-----\n";

static const char fixture_key_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgJZZx3zJ5pCdkVNhH\n"
	"8W5s1nYmqs7eq9BaVYQb+f9p7yOhRANCAAT2c3NnkKvOND2thh4D7wavdN1ucQHg\n"
	"k8yDjsXzL1tlPFJKquFrUk2ifaK/kE06ifD7DIOAgDr0zUV0+3dXoter\n"
	"-----END PRIVATE KEY-----\n";

static const char fixture_other_key_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgkZtrfuaXXTfRvqAS\n"
	"aBnGBTzFxB7ZukhuyAYEFnkZvVihRANCAATm8aSFgFoFDyNKjOXba3YcfvUspt6r\n"
	"P8nzbQNe7FdeydRwpyF8pn1+CZZ1Ush76PlEbhVhNw6JOMkVExDgNKGr\n"
	"-----END PRIVATE KEY-----\n";

static const char fixture_pin[] = "wh8SK5Rq0uR/Nhzuvxd7ZNH1zlM53Uh48EjDTBurDsU=";

/** Write text to a new file in dir. @return its path (static buffer, one per slot 0-3). */
static inline const char *fixture_file(const char *dir, const char *name, const char *text, int slot)
{
	static char paths[4][512];
	snprintf(paths[slot], sizeof(paths[slot]), "%s/%s", dir, name);
	FILE *f = fopen(paths[slot], "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	fclose(f);
	return paths[slot];
}
