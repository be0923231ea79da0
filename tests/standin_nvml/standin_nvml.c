/*
 * A stand-in NVML library (libnvidia-ml.so.1) for tests on machines without NVIDIA GPUs: the
 * real pynvml and CodeCarbon load it as they would the driver's, and see a node of GPUs that
 * each draw a constant power. Which GPUs a measurement counted is then read off its energy.
 *
 * STANDIN_NVML_GPUS     how many GPUs the node has (default 4; 0 is a node without GPUs)
 * STANDIN_NVML_POWER_W  each GPU's power in W, comma-separated (default 100,200,300,...: GPU k
 *                       draws 100 x (k + 1) W)
 * STANDIN_NVML_COUNTERLESS  set: boards without an energy counter (before Volta), whose energy
 *                       only power samples give
 *
 * The energy counter (nvmlDeviceGetTotalEnergyConsumption, mJ) is the power times
 * CLOCK_MONOTONIC's seconds, so that it is the same in every process, as a board's counter is.
 * Only the calls pynvml makes for CodeCarbon 3.3 and powerhungry.measure.provenance exist.
 * Signatures: NVIDIA's nvml.h (NVML API reference, docs.nvidia.com/deploy/nvml-api).
 *
 *     cc -shared -fPIC -Wl,-soname,libnvidia-ml.so.1 -o libnvidia-ml.so.1 standin_nvml.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int nvmlReturn_t;
#define NVML_SUCCESS 0
#define NVML_ERROR_INVALID_ARGUMENT 2
#define NVML_ERROR_NOT_SUPPORTED 3
#define NVML_ERROR_INSUFFICIENT_SIZE 7
#define MAX_GPUS 16

typedef struct { int index; } standin_device;
typedef standin_device *nvmlDevice_t;
typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef struct { unsigned int gpu, memory; } nvmlUtilization_t;

static standin_device devices[MAX_GPUS];

static unsigned int gpu_count(void) {
    const char *text = getenv("STANDIN_NVML_GPUS");
    int count = text ? atoi(text) : 4;
    return count < 0 ? 0 : (count > MAX_GPUS ? MAX_GPUS : (unsigned int)count);
}

static double power_w(int index) {
    const char *text = getenv("STANDIN_NVML_POWER_W");
    if (text) {
        const char *field = text;
        for (int i = 0; i < index && field; i++) {
            field = strchr(field, ',');
            if (field) field++;
        }
        if (field && *field) return atof(field);
    }
    return 100.0 * (index + 1);
}

static int valid(nvmlDevice_t device) {
    return device && device->index >= 0 && (unsigned int)device->index < gpu_count();
}

nvmlReturn_t nvmlInitWithFlags(unsigned int flags) { (void)flags; return NVML_SUCCESS; }
nvmlReturn_t nvmlInit_v2(void) { return NVML_SUCCESS; }
nvmlReturn_t nvmlShutdown(void) { return NVML_SUCCESS; }

const char *nvmlErrorString(nvmlReturn_t result) {
    return result == NVML_SUCCESS ? "Success" : "Stand-in NVML error";
}

nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length) {
    if ((unsigned int)snprintf(version, length, "0.0-standin") >= length)
        return NVML_ERROR_INSUFFICIENT_SIZE;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count) {
    *count = gpu_count();
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device) {
    if (index >= gpu_count()) return NVML_ERROR_INVALID_ARGUMENT;
    devices[index].index = (int)index;
    *device = &devices[index];
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length) {
    if (!valid(device)) return NVML_ERROR_INVALID_ARGUMENT;
    snprintf(name, length, "Stand-in GPU");
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length) {
    if (!valid(device)) return NVML_ERROR_INVALID_ARGUMENT;
    snprintf(uuid, length, "GPU-00000000-0000-0000-0000-%012d", device->index);
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *memory) {
    if (!valid(device)) return NVML_ERROR_INVALID_ARGUMENT;
    memory->total = 80ULL << 30;
    memory->used = 1ULL << 30;
    memory->free = memory->total - memory->used;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, int sensor, unsigned int *temp) {
    (void)sensor;
    if (!valid(device)) return NVML_ERROR_INVALID_ARGUMENT;
    *temp = 40;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power_mw) {
    if (!valid(device)) return NVML_ERROR_INVALID_ARGUMENT;
    *power_mw = (unsigned int)(power_w(device->index) * 1000.0);
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t device, unsigned int *limit_mw) {
    if (!valid(device)) return NVML_ERROR_INVALID_ARGUMENT;
    *limit_mw = 700000;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device,
                                                 unsigned long long *energy_mj) {
    struct timespec now;
    if (!valid(device)) return NVML_ERROR_INVALID_ARGUMENT;
    if (getenv("STANDIN_NVML_COUNTERLESS")) return NVML_ERROR_NOT_SUPPORTED;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double seconds = (double)now.tv_sec + (double)now.tv_nsec / 1e9;
    *energy_mj = (unsigned long long)(power_w(device->index) * seconds * 1000.0);
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *rates) {
    if (!valid(device)) return NVML_ERROR_INVALID_ARGUMENT;
    rates->gpu = 100;
    rates->memory = 50;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetComputeMode(nvmlDevice_t device, int *mode) {
    if (!valid(device)) return NVML_ERROR_INVALID_ARGUMENT;
    *mode = 0;
    return NVML_SUCCESS;
}

static nvmlReturn_t no_processes(nvmlDevice_t device, unsigned int *count, void *infos) {
    (void)infos;
    if (!valid(device)) return NVML_ERROR_INVALID_ARGUMENT;
    *count = 0;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t d, unsigned int *c, void *i) {
    return no_processes(d, c, i);
}

nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses_v3(nvmlDevice_t d, unsigned int *c, void *i) {
    return no_processes(d, c, i);
}
