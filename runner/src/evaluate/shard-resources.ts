import type { Resources } from '../results/schema.js';
import { round } from './record-context.js';
import type { ShardFile } from './shard.js';

/**
 * The resources of a sharded run: compute adds up over shards (time, CPU, energy, requests),
 * peaks are the largest shard's, per-item time is the total time over all items, and the
 * latency percentiles, which cannot be merged exactly, are the worst shard's.
 */
export function mergeResources(shards: readonly ShardFile[]): Resources {
  const rs = shards.map((s) => s.resources as Resources);
  const sum = (k: 'wall_time_s' | 'startup_s' | 'cpu_time_s' | 'energy_j' | 'requests' | 'retries') =>
    rs.every((r) => r[k] !== undefined) ? { [k]: round(rs.reduce((t, r) => t + r[k]!, 0)) } : {};
  const max = (k: 'peak_memory_bytes') => (rs.every((r) => r[k] !== undefined) ? { [k]: Math.max(...rs.map((r) => r[k]!)) } : {});
  const items = shards.reduce((t, s) => t + s.items, 0);
  const wall = rs.every((r) => r.wall_time_s !== undefined) ? rs.reduce((t, r) => t + r.wall_time_s!, 0) : undefined;
  const latency = rs.every((r) => r.latency_ms)
    ? {
        latency_ms: {
          p50: Math.max(...rs.map((r) => r.latency_ms!.p50)),
          p95: Math.max(...rs.map((r) => r.latency_ms!.p95)),
          p99: Math.max(...rs.map((r) => r.latency_ms!.p99)),
        },
      }
    : {};
  const gpu = rs.every((r) => r.gpu)
    ? {
        gpu: {
          ...rs[0]!.gpu!,
          ...(rs.every((r) => r.gpu!.peak_memory_bytes !== undefined)
            ? { peak_memory_bytes: Math.max(...rs.map((r) => r.gpu!.peak_memory_bytes!)) }
            : {}),
        },
      }
    : {};
  return {
    ...sum('wall_time_s'),
    ...sum('startup_s'),
    ...(wall !== undefined && items > 0 ? { per_sample_ms: round((wall * 1000) / items) } : {}),
    ...sum('cpu_time_s'),
    ...max('peak_memory_bytes'),
    ...gpu,
    ...sum('energy_j'),
    ...(rs.every((r) => r.energy_j !== undefined) && rs[0]!.energy_method ? { energy_method: rs[0]!.energy_method } : {}),
    ...sum('requests'),
    ...sum('retries'),
    ...latency,
  };
}
