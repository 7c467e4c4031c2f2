"""A steady GPU load for recording readings: bf16 matrix products for SECONDS while holding GIB.

    python3 scripts/gpu-load.py [SECONDS] [GIB]

Needs PyTorch with CUDA; used only to record fixtures and check a runner, never by Podium.
"""
import sys, time, torch
secs = float(sys.argv[1]) if len(sys.argv) > 1 else 10
gib = int(sys.argv[2]) if len(sys.argv) > 2 else 16
hold = torch.empty(gib * 1024**3, dtype=torch.uint8, device='cuda')
hold.fill_(1)
a = torch.randn(8192, 8192, device='cuda', dtype=torch.bfloat16)
b = torch.randn_like(a)
t = time.time(); n = 0
while time.time() - t < secs:
    for _ in range(20):
        c = a @ b
    torch.cuda.synchronize(); n += 20
dt = time.time() - t
print(f"load: {n} bf16 8192^3 products in {dt:.1f} s, {2*8192**3*n/dt/1e12:.0f} TFLOP/s, holding {gib} GiB", flush=True)
