/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The service registry: named interfaces offered by plugins to each other. */
#include <stdlib.h>
#include <string.h>
#include <kres/service.h>

#define SERVICE_MAX 64

static struct {
	const char *name;   /* strdup()ed */
	const void *iface;
} services[SERVICE_MAX];
static int service_count;

int kr_service_register(const char *name, const void *iface)
{
	if (!name || !iface)
		return -EINVAL;
	for (int i = 0; i < service_count; ++i)
		if (strcmp(services[i].name, name) == 0)
			return -EEXIST;
	if (service_count == SERVICE_MAX)
		return -ENOMEM;
	char *copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	services[service_count].name = copy;
	services[service_count].iface = iface;
	++service_count;
	return 0;
}

int kr_service_unregister(const char *name, const void *iface)
{
	for (int i = 0; i < service_count; ++i) {
		if (strcmp(services[i].name, name) != 0 || services[i].iface != iface)
			continue;
		free((char *)services[i].name);
		services[i] = services[--service_count];
		return 0;
	}
	return -ENOENT;
}

const void *kr_service_get(const char *name)
{
	for (int i = 0; i < service_count; ++i)
		if (strcmp(services[i].name, name) == 0)
			return services[i].iface;
	return NULL;
}
