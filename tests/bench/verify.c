/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The cost of one DNSSEC signature verification per algorithm with the crypto
 * backend this tree was configured with (plugins/validate/crypto.h). A
 * measurement, not a test: it asserts nothing about time. Built on demand:
 *
 *   make tests/bench/verify && tests/bench/verify [seconds per algorithm]
 *
 * Use a tree configured without --enable-sanitizers. Each line gives the
 * median over 5 rounds of the CPU time (CLOCK_PROCESS_CPUTIME_ID, so other
 * load on the machine counts little) of one validate_crypto_verify() over the
 * canonical signed data of the RR set, which is built once beforehand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "plugins/validate/validate-impl.h"

#define VEC_NOW 1283000000u
#define ROUNDS 5

/*
 * RSA-2048: www.example.net. A {192.0.2.1, 192.0.2.2} signed with independent
 * code (dnspython + pyca/cryptography); RSA-1024 and the other algorithms are
 * the vectors of tests/unit/plugins/validate/test_dnssec.c (RFC 6605 section 6,
 * RFC 8080 section 6 with erratum 4935).
 */
#define A2 { "www.example.net. 3600 IN A 192.0.2.1", "www.example.net. 3600 IN A 192.0.2.2" }
#define A1 { "www.example.net. 3600 IN A 192.0.2.1", NULL }
#define MX { "example.com. 3600 IN MX 10 mail.example.com.", NULL }
static const struct { const char *what, *key, *sig, *rr[2]; uint32_t now; } vec[] = {
	{ "5 RSASHA1 RSA-2048",
	  "example.net. 3600 IN DNSKEY 257 3 5 AwEAAc7CioIfii/NaAPImDFLauvpqKhu/JhpBEYewgh6AEVXvofKihcBKPtkhaJoPHMXGmASlp15L5gKe8fOl4EqiVSGPVzqm32v4nphw5vTyWAP4xdxPnUAkLAkub+jX6Bshf2wqwWy6hUDTOs84RTEMIKEnzkJhJA/QMJ3LBoaV2M160Cya3zWbUXVk6zpBg7widlpxTatCtCP6ldBqyhsyL5z0e/f3xJZiabzExCZAUKcDfgOCgVhRsCM+qsyxvRf0XLTebEpw2vVgN2xFdWNIWbnAFRd0En16aKyJAHaBem4G7MAcIuvhLuZHPz0JHnf2rWZPTo95CjrkbIRxBGwvXM=",
	  "www.example.net. 3600 IN RRSIG A 5 3 3600 20101117132000 20100724193320 37309 example.net. rLOyqizAxv+hFlGK3OxqDUelfx1H07TuUNJmZGuXmenQyB7yf+mVEj9i/UY1BY9n+cvQbyNmjqbFHJxidUkp0JyQtQVljATyeEHXfYjjbeGN16FYKncPqGvPQ4lMANynE519hORdnQil7RETP7hNZUb8vKgUSl98P1kZKcX+gAe+gj6SeUzQ6mK76YuSmPs2/6eFAeJs8bBJnDBcRFB41q4IZ/OuFRWMZUoDe5rWgpqWcXMZBoqG87CK/up2dXe00tGus+MGpsmTuFtwwfTxEhAz/jZ0IHiENfO3SkbobZHSTQRuVV4E5x2iHoYv4PUYT+sXS779KsOZRxUBqjmiNQ==",
	  A2, VEC_NOW },
	{ "7 RSASHA1-NSEC3 RSA-2048",
	  "example.net. 3600 IN DNSKEY 257 3 7 AwEAAa5pHnDY5dpEyqymimDZXUenEKyF6mNv8oNQGmEbM3jlAq61b640Lut6qu1zLK7ly6rlBTGw1V8UccvTyi7zDMrqOHyiPoRGwJY3FVjYD2EtPD345vN4x0o4FZWjlBadBfqavczhCB04I+FTOXvgEFVfuJis8GwjTG46bzPhm6tor0aNiUkjbsygY/8FRTcBeTA0vaNg3+FpUuOb8krf4Q6A81EzB7m7u85Ih9kghfY8+hCS+2vuUmYad/2AIyWTE7E3lNRb03zEI7bVAJnrp7obVkZyzRLJVCAVF44KmVUDIW8V0d+6yd+9J5F+qYhMAOMbpwhuM4pnbeL1JG+RXuU=",
	  "www.example.net. 3600 IN RRSIG A 7 3 3600 20101117132000 20100724193320 56068 example.net. eE4uOZnBrBu16Mk87qrO1lIbC1xysPYPUQ2TpINWldP2JSV2HUXQpE5BdeBg/YoI3RUMMrtMuBCcPhqEsD2B2uKzDyL1Ehb+OUpjkx3eJM66akKoJocfZT/EYnpDjeNOeYs7QO9gUXJEvsIcK1cFOHJu7+X70x6AKp6qX9yMvKVTnJwgkd8oAUiRylGJyC2RUlByT20PT/zDgo+xtEu1BNaOcnzEW1d6C/rrPO8DEYsFWNdZymGk9IJaVZlpaMWjEOGAQ17QeCXzS0t3L3wyTtgB6c1/EbPZGarFb6xV0wQAagB2fZCts3QIpigtsZQyrZtp7o9DjOPvAf0Z+nSSzA==",
	  A2, VEC_NOW },
	{ "8 RSASHA256 RSA-2048",
	  "example.net. 3600 IN DNSKEY 257 3 8 AwEAAak7CTFOzxJi2e1mlUe7rMY9ABe/PQ9jQwGNyuWcxlN5uY9wdm2++QOXWpCimofa7JafF4rb/i6tYtFKdC+ZQg6ei5dw8nMkyqCdo7T8VUd0Zn0H6R8TKJUFUbro8mKSyF0dLKMa5HAohXFqX3P7Byu4NdvxlSgHj8b/Y+EPeX0mvRISsJFwuh3xrl6Yf9WFUv7fO6GqfEFQMM8E4QERHgTfztadXeXWzBF8vQjvhFxutpr6M4Je2HrJJC26XrK61WPioS2s0Lb92QadXXTTt3mg89RrZPpNeGAqEv/d2sAq8+9f2qGBUqi48JasZsje4Xax1EkY7TB9xnRYTXehbCE=",
	  "www.example.net. 3600 IN RRSIG A 8 3 3600 20101117132000 20100724193320 1681 example.net. dJXJatVxWWCA3MHgLM0Pua6F586dYD468kYkA7JXMQEskLZ05oBTnPNBxFyQPbf6/n2B/foNgL36B825Qo2CL6snmpo4WxiTMSXXh6c5voLZymyIFgTc7q6oPZTfl0buJKjch52h0Trk4QnVC9Pp+/IwDDiG65vNLGjJIARnSkv6DFe30UjyY80QY7pnfAsQ2oekR6bqFGh1A+rJaU5hsUkurW81WVi1XUlwx7DQ68yx1SRJeBUBgOzWiInUkAGjzY4rHLZ2bXrWc3DxjG0xoiiH+hs0Y9uyubtaWfVOWsoaI2B3B9p1Dhw5s0wtkdDYUs4abQcxdACRtjAg3Qi04Q==",
	  A2, VEC_NOW },
	{ "10 RSASHA512 RSA-2048",
	  "example.net. 3600 IN DNSKEY 257 3 10 AwEAAZagmRrvPSQJjsKPClvJiivhL5RiJrWRwOceRt3Mipjl61jgnSChJsS6CoI9uF56YRERf3qVSBgZGOCV7Hc7TI4OpyHwpU1sfb13W0lXJp5sFVEANok0fiP64G700v/TfnHzswMz8fZoYE5QShRVOuH9RsaKkCJXEJ+GAp9wEQOuPt0yL8Nm+i3W/fiEpbVeiVpK6/aeF0o3smBIWyQxV/O8cOQZ0b8X188g9/sbu5SIWk5UyKXWGOsLN1C+oDSiApO2BFeBq/WqGjHNxjK2fth4DKe/g/VWoKc7xpzJ4EIUbEx/9gCQP+Pg/WCS4DM3XJleKMyW0J4MzUP3OAc1zNs=",
	  "www.example.net. 3600 IN RRSIG A 10 3 3600 20101117132000 20100724193320 47106 example.net. kRN4PU87DUIcrfw6UfiEKg11QhAh7HGnVx1UHmaGGefcTLP7VQ/H1NnTN/GdzEPMTSbtmNrdjFd+4z+wZFnsDz+bJ28lvrpedk1zyKNGtmhqCOegycnzwJev98BXmD29MggyqkBcB7wf06atgjz5a9a0Arrx4tbv4QIhjcz7W+RN61/Cje/EAxfqGX+AFt1rl1VdtZkePNKn9vyFfE4gbceqYl6hsj4wBBDCFlcumxqMjd/qQidDumqWNPmS2WOli4olanJcVE+hA+9elCQW6OQvy6ffg4916etE2HR3aXPnhgSdIWPvByXNt18UTvHdZsI5NUU5Htp4aHnpBK4ncQ==",
	  A2, VEC_NOW },
	{ "8 RSASHA256 RSA-1024",
	  "example.net. 3600 IN DNSKEY 257 3 8 AwEAAcN0u/DyHcFvej+ca6sKZnqlofQGSFi0m6CpmlCn6/8c+/rY6Sw11s2rNymH6ZWjLS2jmpsY79Nv5WCEnBjav/J658p5dE75tFvTduIU9KcfZBJKvOIjQ2SWgWNrwV5P2bC4MeboWNwVP3m8TsXLvxNsPVnvjxzfPeyFtiLj3q3R",
	  "www.example.net. 3600 IN RRSIG A 8 3 3600 20101117132000 20100724193320 48607 example.net. GMcyMWp1ObBX7GwTYYA1WYCF6VDZ0PVIcC+RG8U90bCuBVkFUAJiZq+DVQBgzjAzk2RUr39yoI1kcZDwgVIjfmr/9HjPfUKfE9sT+K+RTDVcBYXGGV0ZQInOVq7oIk+cyoA5/EbS6ptZxdT3nR58RXAYwlFgADciYN0ScjaDTXY=",
	  A2, VEC_NOW },
	{ "13 ECDSAP256SHA256",
	  "example.net. 3600 IN DNSKEY 257 3 13 GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==",
	  "www.example.net. 3600 IN RRSIG A 13 3 3600 20100909100439 20100812100439 55648 example.net. qx6wLYqmh+l9oCKTN6qIc+bw6ya+KJ8oMz0YP107epXAyGmt+3SNruPFKG7tZoLBLlUzGGus7ZwmwWep666VCw==",
	  A1, VEC_NOW },
	{ "14 ECDSAP384SHA384",
	  "example.net. 3600 IN DNSKEY 257 3 14 xKYaNhWdGOfJ+nPrL8/arkwf2EY3MDJ+SErKivBVSum1w/egsXvSADtNJhyem5RCOpgQ6K8X1DRSEkrbYQ+OB+v8/uX45NBwY8rp65F6Glur8I/mlVNgF6W/qTI37m40",
	  "www.example.net. 3600 IN RRSIG A 14 3 3600 20100909102025 20100812102025 10771 example.net. /L5hDKIvGDyI1fcARX3z65qrmPsVz73QD1Mr5CEqOiLP95hxQouuroGCeZOvzFaxsT8Glr74hbavRKayJNuydCuzWTSSPdz7wnqXL5bdcJzusdnI0RSMROxxwGipWcJm",
	  A1, VEC_NOW },
	{ "15 ED25519",
	  "example.com. 3600 IN DNSKEY 257 3 15 l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=",
	  "example.com. 3600 IN RRSIG MX 15 2 3600 1440021600 1438207200 3613 example.com. oL9krJun7xfBOIWcGHi7mag5/hdZrKWw15jPGrHpjQeRAvTdszaPD+QLs3fx8A4M3e23mRZ9VrbpMngwcrqNAg==",
	  MX, 1439000000u },
	{ "16 ED448",
	  "example.com. 3600 IN DNSKEY 257 3 16 3kgROaDjrh0H2iuixWBrc8g2EpBBLCdGzHmn+G2MpTPhpj/OiBVHHSfPodx1FYYUcJKm1MDpJtIA",
	  "example.com. 3600 IN RRSIG MX 16 2 3600 1440021600 1438207200 9713 example.com. 3cPAHkmlnxcDHMyg7vFC34l0blBhuG1qpwLmjInI8w1CMB29FkEAIJUA0amxWndkmnBZ6SKiwZSAxGILn/NBtOXft0+Gj7FSvOKxE/07+4RQvE581N3Aj/JtIyaiYVdnYtyMWbSNyGEY2213WKsJlwEA",
	  MX, 1439000000u },
};

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 0.5;
	struct kr_arena *arena = kr_arena_new(0);
	kr_mm_t *mm = kr_arena_mm(arena);
	printf("backend: %s, %.2f s per algorithm, median of %d rounds\n", BENCH_BACKEND, seconds, ROUNDS);
	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); ++i) {
		kr_rrset_t key = { 0 }, sig = { 0 }, rr = { 0 };
		if (kr_rrset_from_str(&key, vec[i].key, NULL, 3600, mm) != 0 ||
		    kr_rrset_from_str(&sig, vec[i].sig, NULL, 3600, mm) != 0) {
			fprintf(stderr, "%s: cannot parse the vector\n", vec[i].what);
			return EXIT_FAILURE;
		}
		const struct kr_rdata *k = kr_rdataset_first(&key.rrs), *rd = kr_rdataset_first(&sig.rrs);
		struct validate_rrsig s;
		if (validate_rrsig_parse(rd, &s) != 0)
			return EXIT_FAILURE;
		int ret = 0;
		for (int j = 0; j < 2 && vec[i].rr[j] && ret == 0; ++j) {
			kr_rrset_t one = { 0 };
			ret = kr_rrset_from_str(j ? &one : &rr, vec[i].rr[j], NULL, 3600, mm);
			const struct kr_rdata *d = j && ret == 0 ? kr_rdataset_first(&one.rrs) : NULL;
			if (d)
				ret = kr_rrset_add_rdata(&rr, d->data, d->len, mm);
		}
		uint8_t *data;
		size_t len;
		if (ret != 0 || validate_rrset(&rr, &sig, &key, vec[i].now, mm) != 0 ||
		    validate_signed_data(&rr, rd, &s, mm, &data, &len) != 0) {
			fprintf(stderr, "%s: the vector does not verify\n", vec[i].what);
			return EXIT_FAILURE;
		}
		double round[ROUNDS];
		long total = 0;
		for (int r = 0; r < ROUNDS; ++r) {
			long n = 0;
			double start = cpu_now(), end;
			do {
				for (int j = 0; j < 10; ++j)
					if (validate_crypto_verify(s.alg, k->data + 4, k->len - 4u, data, len, s.sig, s.siglen) != 0)
						return EXIT_FAILURE;
				n += 10;
				end = cpu_now();
			} while (end - start < seconds / ROUNDS);
			round[r] = (end - start) / (double)n;
			total += n;
		}
		qsort(round, ROUNDS, sizeof(round[0]), cmp_double);
		printf("%-26s %9.1f us  (%ld verifications)\n", vec[i].what, round[ROUNDS / 2] * 1e6, total);
	}
	kr_arena_delete(arena);
	return EXIT_SUCCESS;
}
