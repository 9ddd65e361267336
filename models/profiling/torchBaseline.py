"""PyTorch CPU baseline for bench/engine.ts (models/profiling/torchBaseline.py): the same LightX3ECG (spec §3-§5), timed on this machine.
Usage: python3 torchBaseline.py infer1|infer32|train32 [threads]. Prints one JSON line."""
import json, resource, statistics, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F


class SepConv(nn.Module):
    def __init__(s, ci, co, k, st=1, p=0):
        super().__init__()
        s.dw = nn.Conv1d(ci, ci, k, st, p, groups=ci, bias=False)
        s.pw = nn.Conv1d(ci, co, 1, bias=False)

    def forward(s, x):
        return s.pw(s.dw(x))


class SE(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.sq = SepConv(c, c // 16, 1)
        s.ex = SepConv(c // 16, c, 1)

    def forward(s, x):
        g = x.mean(2, keepdim=True)
        return x * torch.sigmoid(s.ex(F.relu(s.sq(g))))


class Block(nn.Module):
    def __init__(s, ci, down):
        super().__init__()
        co, st = (2 * ci, 2) if down else (ci, 1)
        s.c1, s.b1 = SepConv(ci, co, 7, st, 3), nn.BatchNorm1d(co)
        s.c2, s.b2 = SepConv(co, co, 7, 1, 3), nn.BatchNorm1d(co)
        s.se, s.drop = SE(co), nn.Dropout(0.3)
        s.short = nn.Sequential(SepConv(ci, co, 1, 2, 0), nn.BatchNorm1d(co)) if down else nn.Identity()

    def forward(s, x):
        m = s.se(s.b2(s.c2(s.drop(F.relu(s.b1(s.c1(x)))))))
        return F.relu(m + s.short(x))


class Backbone(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = nn.Sequential(nn.Conv1d(1, 64, 15, 2, 7), nn.BatchNorm1d(64), nn.ReLU(), nn.MaxPool1d(3, 2, 1))
        blocks = []
        for ci, down in [(64, False), (64, True), (128, True), (256, True)]:
            co = 2 * ci if down else ci
            blocks += [Block(ci, down), Block(co, False)]
        s.blocks = nn.Sequential(*blocks)

    def forward(s, x):
        return s.blocks(s.stem(x)).mean(2)


class LightX3ECG(nn.Module):
    def __init__(s, n):
        super().__init__()
        s.bb = nn.ModuleList([Backbone() for _ in range(3)])
        s.att = nn.Sequential(nn.Linear(1536, 512), nn.BatchNorm1d(512), nn.ReLU(), nn.Dropout(0.3), nn.Linear(512, 3), nn.Sigmoid())
        s.drop, s.fc = nn.Dropout(0.2), nn.Linear(512, n)

    def forward(s, x):
        f = [b(x[:, i : i + 1]) for i, b in enumerate(s.bb)]
        a = s.att(torch.cat(f, 1))
        m = sum(a[:, i : i + 1] * f[i] for i in range(3))
        return s.fc(s.drop(m))


def main():
    mode = sys.argv[1]
    torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 2)
    torch.manual_seed(0)
    net = LightX3ECG(4)
    params = sum(p.numel() for p in net.parameters())
    times = []
    if mode.startswith("infer"):
        b = 1 if mode == "infer1" else 32
        net.eval()
        x = torch.randn(b, 3, 5000)
        reps, warm = (30, 3) if b == 1 else (5, 1)
        with torch.no_grad():
            for i in range(warm + reps):
                t = time.perf_counter()
                net(x)
                if i >= warm:
                    times.append((time.perf_counter() - t) * 1000 / b)
    else:
        b = 32
        net.train()
        opt = torch.optim.Adam(net.parameters(), lr=1e-3, weight_decay=5e-5)
        x, y = torch.randn(b, 3, 5000), torch.randint(0, 4, (b,))
        for i in range(4):
            t = time.perf_counter()
            opt.zero_grad()
            F.cross_entropy(net(x), y).backward()
            opt.step()
            if i >= 1:
                times.append((time.perf_counter() - t) * 1000 / b)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"mode": mode, "params": params, "msPerEcg": statistics.median(times), "peakRssBytes": rss, "torch": torch.__version__}))


main()
