"""BC precision sweep: demonstrator drops x network width x updates; x-error on held-out
demonstrator states and twin reward, Diffusion-QL defaults otherwise (q_weight 0)."""
import dataclasses, sys, time, numpy as np, torch
from multiprocessing import Pool
from ran_gym.train.diffusion_ql import make_env
from agents.diffusion_ql import DiffusionQL, DiffusionQLConfig
from bridge.slicing import greedy, shares
from bridge.slicing.layout import gains_from_observation

def rollout(args):
    first, n_eps = args
    torch.set_num_threads(1)
    env = make_env("oran-slicing-twin", {"maxSteps": "10"}); cfg = env.unwrapped.cfg
    rows = []
    for e in range(first, first + n_eps):
        obs, _ = env.reset(seed=e)
        for k in range(10):
            x = shares.encode(cfg, greedy.allocate(cfg, gains_from_observation(obs, cfg)))
            nxt, r, term, trunc, _ = env.step(x)
            rows.append((obs, x, r, nxt, term)); obs = nxt
    return rows

def data(first, eps, workers=15):
    chunks = [(first + i * (eps // workers), eps // workers) for i in range(workers)]
    with Pool(workers) as p:
        rows = [r for part in p.map(rollout, chunks) for r in part]
    return [np.asarray(c) for c in zip(*rows)]

def evaluate(agent, env, test, n_drops):
    cfg = env.unwrapped.cfg; u, r_ = cfg.n_ues, cfg.n_rus
    obs_t, x_t = test[0][:1000], test[1][:1000]
    a = agent.act(obs_t, deterministic=True)
    err = np.abs(a - x_t)
    R = []
    for s in range(n_drops):
        obs, _ = env.reset(seed=9_000_000 + s)
        for k in range(5):
            obs, rew, *_ = env.step(agent.predict(obs)[0]); R.append(rew)
    return dict(assoc=err[:, :u*r_].mean(), share=err[:, u*r_:u*r_+u].mean(),
                power=err[:, u*r_+u:].mean(), twin=np.mean(R))

if __name__ == "__main__":
    budget = float(sys.argv[1]) if len(sys.argv) > 1 else 300
    scale = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    t0 = time.time()
    train = data(1_000_000, int(30000 * scale)); test = data(8_000_000, 150)
    print(f"data: {len(train[0])} train rows, {len(test[0])} test rows, {time.time()-t0:.0f} s", flush=True)
    env = make_env("oran-slicing-twin", {"maxSteps": "10"})
    gr = []
    for s in range(int(100 * scale) + 20):
        obs, _ = env.reset(seed=9_000_000 + s)
        for k in range(5):
            x = shares.encode(env.unwrapped.cfg, greedy.allocate(env.unwrapped.cfg, gains_from_observation(obs, env.unwrapped.cfg)))
            obs, rew, *_ = env.step(x); gr.append(rew)
    print(f"qos-greedy twin reward {np.mean(gr):.3f}", flush=True)
    variants = [(256, 1000, 3000), (256, None, 20000), (1024, None, 20000), (512, None, 20000),
                (1024, 1000, 20000), (1024, None, 60000)]
    for hidden, drops, updates in variants:
        if time.time() - t0 > budget: print("out of time"); break
        n = len(train[0]) if drops is None else drops * 10
        updates = int(updates * scale)
        cfg = DiffusionQLConfig(hidden=hidden, q_weight=0.0, candidates=1, guidance=0.0)
        agent = DiffusionQL(env.observation_space, env.action_space, cfg, seed=0, device=dev)
        agent.add_demonstrations(*(c[:n] for c in train))
        t1 = time.time(); agent.pretrain(updates); t_train = time.time() - t1
        m = evaluate(agent, env, test, int(100 * scale) + 20)
        print(f"hidden {hidden} drops {n // 10} updates {updates}: {t_train:.0f} s; x err assoc {m['assoc']:.3f} "
              f"share {m['share']:.3f} power {m['power']:.3f}; twin reward {m['twin']:.3f}", flush=True)
