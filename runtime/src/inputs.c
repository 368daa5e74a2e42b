/* Binding and checking a call's inputs: the host's tensors against the
 * model's, the instance's defaults for those left NULL, and the lengths,
 * masks and indices whose values the kernel trusts. */
#include <string.h>

#include "instance.h"

rnnrt_status_t rnnrt_instance_set_sequence_lengths(rnnrt_instance_t *instance,
                                                   const int32_t *lengths, int64_t count) {
  if (!instance)
    return RNNRT_STATUS_INVALID_ARGUMENT;
  if (find_role(instance->model, RNNRT_ROLE_SEQUENCE_LENGTHS) < 0)
    return set_error(instance, RNNRT_STATUS_FAILED_PRECONDITION,
                     "model '%s' has no sequence-lengths input", instance->model->name);
  if (!lengths) {
    instance->lengths_set = 0;
    return succeed(instance);
  }
  if (count != instance->batch)
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                     "expected %lld sequence lengths (the batch), got %lld",
                     (long long)instance->batch, (long long)count);
  for (int64_t b = 0; b < count; ++b)
    if (lengths[b] < 0)
      return set_error(instance, RNNRT_STATUS_OUT_OF_RANGE,
                       "sequence length of row %lld is %d; lengths must be >= 0", (long long)b,
                       lengths[b]);
  for (int64_t b = 0; b < count; ++b)
    instance->lengths[b] = lengths[b];
  instance->lengths_set = 1;
  return succeed(instance);
}

rnnrt_status_t rnnrt_instance_set_mask(rnnrt_instance_t *instance, const uint8_t *mask,
                                       int64_t batch, int64_t time) {
  if (!instance)
    return RNNRT_STATUS_INVALID_ARGUMENT;
  if (find_role(instance->model, RNNRT_ROLE_MASK) < 0)
    return set_error(instance, RNNRT_STATUS_FAILED_PRECONDITION, "model '%s' has no mask input",
                     instance->model->name);
  rnnrt_allocator_t *a = &instance->allocator;
  if (!mask) {
    if (instance->mask)
      instance->memory_in_use -= (uint64_t)(instance->batch * instance->mask_time);
    a->free(a->self, instance->mask);
    instance->mask = NULL;
    return succeed(instance);
  }
  if (batch != instance->batch || time < 0)
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                     "the mask must be [%lld, T] with T >= 0, got [%lld, %lld]",
                     (long long)instance->batch, (long long)batch, (long long)time);
  uint64_t bytes = mul_bytes((uint64_t)batch, (uint64_t)time);
  uint64_t previous = instance->mask ? (uint64_t)(instance->batch * instance->mask_time) : 0;
  uint64_t in_use = add_bytes(instance->memory_in_use - previous, bytes);
  if (instance->memory_limit > 0 && in_use > instance->memory_limit)
    return set_error(instance, RNNRT_STATUS_LIMIT_EXCEEDED,
                     "a [%lld, %lld] mask would bring the instance to %llu bytes, over its "
                     "memory limit of %llu",
                     (long long)batch, (long long)time, (unsigned long long)in_use,
                     (unsigned long long)instance->memory_limit);
  if (bytes > SIZE_MAX)
    return set_error(instance, RNNRT_STATUS_OUT_OF_MEMORY, "out of memory");
  uint8_t *copy = allocate(a, (size_t)bytes);
  if (!copy)
    return set_error(instance, RNNRT_STATUS_OUT_OF_MEMORY, "out of memory");
  for (int64_t i = 0; i < batch * time; ++i)
    copy[i] = mask[i] != 0;
  a->free(a->self, instance->mask);
  instance->mask = copy;
  instance->mask_time = time;
  instance->memory_in_use = in_use;
  return succeed(instance);
}

/* Resolves the sizes of an input the host left NULL from the bound symbols. */
static rnnrt_status_t resolve_dims(rnnrt_instance_t *instance, const rnnrt_tensor_info_t *info,
                                   rnnrt_tensor_t *tensor) {
  const rnnrt_model_t *model = instance->model;
  tensor->dtype = info->dtype;
  tensor->rank = info->rank;
  for (int32_t d = 0; d < info->rank; ++d) {
    int64_t size = info->dims[d];
    if (size < 0) {
      int32_t symbol = (int32_t)(-1 - size);
      size = instance->symbols[symbol];
      if (size < 0)
        return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                         "input '%s' is NULL and its size %s is not set by any other input",
                         info->name, model->symbols[symbol]);
    }
    tensor->dims[d] = size;
  }
  return RNNRT_STATUS_OK;
}

/* Fills the kernel view of input `i`, applying the instance's defaults. */
rnnrt_status_t rnnrt_bind_default(rnnrt_instance_t *instance, uint32_t i) {
  const rnnrt_tensor_info_t *info = &instance->model->inputs[i];
  rnnrt_tensor_t *tensor = &instance->bound[i];
  if (info->role == RNNRT_ROLE_DATA || info->role == RNNRT_ROLE_INDICES)
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT, "input '%s' has no data", info->name);
  rnnrt_status_t status = resolve_dims(instance, info, tensor);
  if (status != RNNRT_STATUS_OK)
    return status;
  switch (info->role) {
  case RNNRT_ROLE_STATE:
    if (!instance->state[i].data)
      return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                       "state input '%s' has run-time sizes other than the batch; pass it "
                       "explicitly",
                       info->name);
    tensor->data = instance->state[i].data;
    return RNNRT_STATUS_OK;
  case RNNRT_ROLE_SEQUENCE_LENGTHS: {
    int64_t limit =
        info->limit_symbol >= 0 ? instance->symbols[info->limit_symbol] : info->limit_static;
    int64_t count = tensor->rank > 0 ? tensor->dims[0] : 1;
    if (count > instance->batch)
      return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                       "input '%s' has %lld rows but the instance has %lld", info->name,
                       (long long)count, (long long)instance->batch);
    for (int64_t b = 0; b < count; ++b) {
      int64_t value = instance->lengths_set ? instance->lengths[b] : limit;
      if (tensor->dtype == RNNRT_DTYPE_I32)
        ((int32_t *)instance->lengths_host)[b] = (int32_t)value;
      else
        ((int64_t *)instance->lengths_host)[b] = value;
    }
    if (instance->ops->upload(instance->device, instance->lengths_buffer, instance->lengths_host,
                              rnnrt_tensor_bytes(tensor)) != RNNRT_STATUS_OK)
      return device_failed(instance, RNNRT_STATUS_DEVICE_ERROR);
    tensor->data = instance->lengths_buffer;
    return RNNRT_STATUS_OK;
  }
  case RNNRT_ROLE_MASK: {
    int64_t time = tensor->rank == 2 ? tensor->dims[1] : 0;
    if (instance->mask && instance->mask_time != time)
      return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                       "the mask set on the instance has %lld steps but this call has %lld",
                       (long long)instance->mask_time, (long long)time);
    size_t bytes = element_count(tensor);
    const rnnrt_device_ops_t *ops = instance->ops;
    if (bytes > instance->mask_buffer_bytes) {
      void *grown = ops->alloc(instance->device, bytes);
      if (!grown)
        return set_error(instance, RNNRT_STATUS_OUT_OF_MEMORY, "out of memory for the mask");
      ops->free(instance->device, instance->mask_buffer);
      instance->mask_buffer = grown;
      instance->mask_buffer_bytes = bytes;
    }
    rnnrt_status_t filled =
        instance->mask ? ops->upload(instance->device, instance->mask_buffer, instance->mask, bytes)
                       : ops->fill(instance->device, instance->mask_buffer, 1, bytes);
    if (filled != RNNRT_STATUS_OK)
      return device_failed(instance, RNNRT_STATUS_DEVICE_ERROR);
    tensor->data = instance->mask_buffer;
    return RNNRT_STATUS_OK;
  }
  default:
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT, "input '%s' has no data", info->name);
  }
}

/* Checks an input the host passed and binds its run-time sizes. */
rnnrt_status_t rnnrt_bind_given(rnnrt_instance_t *instance, uint32_t i,
                                const rnnrt_tensor_t *given) {
  const rnnrt_model_t *model = instance->model;
  const rnnrt_tensor_info_t *info = &model->inputs[i];
  if (given->dtype != info->dtype)
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT, "input '%s' must be %s, got %s",
                     info->name, rnnrt_dtype_name(info->dtype), rnnrt_dtype_name(given->dtype));
  if (given->rank != info->rank)
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                     "input '%s' must have rank %d, got %d", info->name, info->rank, given->rank);
  for (int32_t d = 0; d < info->rank; ++d) {
    int64_t size = given->dims[d];
    if (size < 0)
      return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                       "input '%s' dimension %d is negative (%lld)", info->name, d,
                       (long long)size);
    if ((uint64_t)size > ADDRESSABLE_BYTES)
      return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                       "input '%s' dimension %d is %lld, more than a process can address",
                       info->name, d, (long long)size);
    if (info->dims[d] >= 0) {
      if (size != info->dims[d])
        return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                         "input '%s' dimension %d must be %lld, got %lld", info->name, d,
                         (long long)info->dims[d], (long long)size);
      continue;
    }
    int32_t symbol = (int32_t)(-1 - info->dims[d]);
    int64_t *value = &instance->symbols[symbol];
    if (*value < 0) {
      *value = size;
    } else if (*value != size) {
      return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                       "input '%s' dimension %d is %lld but %s is %lld%s", info->name, d,
                       (long long)size, model->symbols[symbol], (long long)*value,
                       symbol == model->batch_symbol ? " (the instance's batch)"
                                                     : " (from an earlier input)");
    }
  }
  instance->bound[i] = *given;
  return RNNRT_STATUS_OK;
}

/* Indices into a dimension of `limit` entries must lie in [-limit, limit)
 * (ONNX Gather: out of range is an error, not a clamp). They may live on a
 * device: read in chunks through a buffer on the stack, allocating nothing. */
rnnrt_status_t rnnrt_check_indices(rnnrt_instance_t *instance, uint32_t i) {
  const rnnrt_tensor_info_t *info = &instance->model->inputs[i];
  const rnnrt_tensor_t *tensor = &instance->bound[i];
  int64_t limit =
      info->limit_symbol >= 0 ? instance->symbols[info->limit_symbol] : info->limit_static;
  if (limit < 0)
    return RNNRT_STATUS_OK; /* a size only the kernel knows: it clamps */
  size_t count = element_count(tensor), width = rnnrt_dtype_size(tensor->dtype);
  int64_t chunk[256];
  size_t per_chunk = sizeof chunk / width;
  for (size_t start = 0; start < count; start += per_chunk) {
    size_t n = count - start < per_chunk ? count - start : per_chunk;
    if (instance->ops->download(instance->device, chunk, (const char *)tensor->data + start * width,
                                n * width) != RNNRT_STATUS_OK)
      return device_failed(instance, RNNRT_STATUS_DEVICE_ERROR);
    for (size_t k = 0; k < n; ++k) {
      int64_t value = tensor->dtype == RNNRT_DTYPE_I32 ? ((const int32_t *)chunk)[k] : chunk[k];
      if (value < -limit || value >= limit)
        return set_error(instance, RNNRT_STATUS_OUT_OF_RANGE,
                         "%s[%zu] = %lld is out of range [-%lld, %lld) of the dimension it "
                         "indexes",
                         info->name, start + k, (long long)value, (long long)limit,
                         (long long)limit);
    }
  }
  return RNNRT_STATUS_OK;
}

rnnrt_status_t rnnrt_check_lengths(rnnrt_instance_t *instance, uint32_t i) {
  const rnnrt_tensor_info_t *info = &instance->model->inputs[i];
  const rnnrt_tensor_t *tensor = &instance->bound[i];
  int64_t limit =
      info->limit_symbol >= 0 ? instance->symbols[info->limit_symbol] : info->limit_static;
  size_t count = element_count(tensor);
  if (count > (size_t)instance->batch)
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                     "input '%s' has %zu lengths but the instance has %lld rows", info->name, count,
                     (long long)instance->batch);
  /* The kernel may read them on a device: check a host copy. */
  if (tensor->data != instance->lengths_buffer &&
      instance->ops->download(instance->device, instance->lengths_host, tensor->data,
                              rnnrt_tensor_bytes(tensor)) != RNNRT_STATUS_OK)
    return device_failed(instance, RNNRT_STATUS_DEVICE_ERROR);
  for (size_t b = 0; b < count; ++b) {
    int64_t value = tensor->dtype == RNNRT_DTYPE_I32 ? ((const int32_t *)instance->lengths_host)[b]
                                                     : ((const int64_t *)instance->lengths_host)[b];
    if (value < 0 || (limit >= 0 && value > limit))
      return set_error(instance, RNNRT_STATUS_OUT_OF_RANGE,
                       "%s[%zu] = %lld is out of range [0, %lld]", info->name, b, (long long)value,
                       (long long)limit);
  }
  return RNNRT_STATUS_OK;
}
