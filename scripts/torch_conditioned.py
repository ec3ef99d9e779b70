#!/usr/bin/env python3
"""The conditioned model in PyTorch on one CPU thread: the figure `improv bench speed` is compared with.

Same network as improv's conditioned kind (src/model/conditioned.rs): the previous event's
pitch (62 classes + start) and duration (13 + start) as rows of input kernels, the 101
chord/beat features through one dense product, one LSTM layer of n_a units, a pitch head
and a duration head, summed cross-entropy per event, Adam, batch 32, windows of 64 events.
Data: 65 windows of random events (the speed does not depend on the values).

  --impl cell   projection of all steps at once, then a Python loop over the LSTM cell
                (the way improv's reference graph is built)
  --impl fused  the same parameters through torch's fused nn.LSTM kernel (input = the
                one-hot rows and the features, concatenated)

Usage: python3 scripts/torch_conditioned.py [--impl fused|cell] [--n_a 128] [--epochs 5]
Prints one JSON line: events per second and per CPU second of the process (medians over
epochs after the first; per CPU second is steadier on a busy machine).
"""
import argparse, json, statistics, time
import torch

p = argparse.ArgumentParser()
p.add_argument('--impl', default='fused', choices=['fused', 'cell'])
p.add_argument('--n_a', type=int, default=128)
p.add_argument('--epochs', type=int, default=5)
p.add_argument('--threads', type=int, default=1)
p.add_argument('--windows', type=int, default=65)
p.add_argument('--tx', type=int, default=64)
p.add_argument('--batch', type=int, default=32)
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)

N_PITCH, N_DUR, N_FEAT = 62, 13, 101
A, T, M = args.n_a, args.tx, args.windows
prev_p = torch.randint(0, N_PITCH + 1, (M, T))
prev_d = torch.randint(0, N_DUR + 1, (M, T))
feats = (torch.rand(M, T, N_FEAT) < 0.2).float()
y_p = torch.randint(0, N_PITCH, (M, T))
y_d = torch.randint(0, N_DUR, (M, T))


class Conditioned(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.e_p = torch.nn.Parameter(torch.randn(N_PITCH + 1, 4 * A) * 0.1)
        self.e_d = torch.nn.Parameter(torch.randn(N_DUR + 1, 4 * A) * 0.1)
        self.w_f = torch.nn.Parameter(torch.randn(N_FEAT, 4 * A) * 0.1)
        self.b = torch.nn.Parameter(torch.zeros(4 * A))
        self.u = torch.nn.Parameter(torch.linalg.qr(torch.randn(4 * A, A))[0].T.contiguous())
        self.head_p = torch.nn.Linear(A, N_PITCH)
        self.head_d = torch.nn.Linear(A, N_DUR)
        self.lstm = torch.nn.LSTM(N_PITCH + 1 + N_DUR + 1 + N_FEAT, A, batch_first=True)

    def hidden(self, pp, pd, f):
        if args.impl == 'fused':
            x = torch.cat([torch.nn.functional.one_hot(pp, N_PITCH + 1).float(),
                           torch.nn.functional.one_hot(pd, N_DUR + 1).float(), f], -1)
            h, _ = self.lstm(x)
            return h
        xp = self.e_p[pp] + self.e_d[pd] + f @ self.w_f + self.b
        B = pp.shape[0]
        h = xp.new_zeros(B, A)
        c = xp.new_zeros(B, A)
        outs = []
        for t in range(pp.shape[1]):
            z = xp[:, t] + h @ self.u
            i, fg, g, o = z.split(A, -1)
            c = torch.sigmoid(fg) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            outs.append(h)
        return torch.stack(outs, 1)

    def forward(self, pp, pd, f, yp, yd):
        h = self.hidden(pp, pd, f).reshape(-1, A)
        ce = torch.nn.functional.cross_entropy
        n = yp.numel()
        return (ce(self.head_p(h), yp.reshape(-1), reduction='sum')
                + ce(self.head_d(h), yd.reshape(-1), reduction='sum')) / n


model = Conditioned()
opt = torch.optim.Adam(model.parameters(), lr=0.003)
rates, cpu_rates = [], []
for ep in range(args.epochs):
    perm = torch.randperm(M)
    t0, c0 = time.perf_counter(), time.process_time()
    for s in range(0, M, args.batch):
        i = perm[s:s + args.batch]
        loss = model(prev_p[i], prev_d[i], feats[i], y_p[i], y_d[i])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
    rates.append(M * T / (time.perf_counter() - t0))
    cpu_rates.append(M * T / max(time.process_time() - c0, 1e-9))
print(json.dumps({'impl': args.impl, 'n_a': A, 'threads': args.threads, 'torch': torch.__version__,
                  'events_per_sec': round(statistics.median(rates[1:] or rates), 1),
                  'events_per_cpu_sec': round(statistics.median(cpu_rates[1:] or cpu_rates), 1)}))
