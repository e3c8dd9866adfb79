# The commands of run 4, run on the GPU host from the checkout root: OUT=DIR bash docs/results/gpu-host/run4-ns3-offline/run.sh
set -uo pipefail
out=$OUT
exec > >(tee "$out/log.txt") 2>&1
. scripts/gpu-host-env.sh
w=/tmp/exp; mkdir -p $w
rg() { python3 -m ran_gym.cli "$@" || echo "FAILED: $1"; }
echo "== tests $(date -u +%T)"
python3 -m pytest -q -p no:cacheprovider tests/test_diffusion_ql.py -k cuda -rs 2>&1 | tee "$out/cuda-tests.txt"
echo "== collect $(date -u +%T)"
rg collect --scenario oran-slicing --param maxSteps=20 --policy qos-greedy,qos-greedy:noise=0.3,qos-greedy:noise=1 \
  --num-envs 12 --steps 9000 --seed 3000000 --out $w/ns3
rg evaluate --scenario oran-slicing --agents qos-greedy,ns3-pf --seeds 1,2,3,4 --steps 30 --param maxSteps=30 --out $w/ref > /dev/null
cp $w/ref/table.csv $out/ref.csv
for q in 0 1; do
  echo "== train q_weight=$q $(date -u +%T)"
  rg train --scenario oran-slicing-twin --agent diffusion-ql --device cuda --cuda-graphs --param maxSteps=10 \
    --dataset $w/ns3 --pretrain-updates 3000 --agent-param q_weight=$q --iterations 1 --out $w/q$q
  rg evaluate --scenario oran-slicing --agents diffusion-ql --seeds 1,2,3,4 --steps 30 --param maxSteps=30 \
    --checkpoint diffusion-ql=$w/q$q/diffusion-ql.pt --out $w/e$q > /dev/null
  cp $w/e$q/table.csv $out/q$q.csv; cp $w/q$q/pretrain.csv $out/pretrain-q$q.csv
done
echo "== done $(date -u +%T)"
python3 -c "
import pandas as pd, sys
for f in ['ref','q0','q1']:
    print(f, pd.read_csv('$out/'+f+'.csv')[['agent','mean_reward','mean_reward_ci95','throughput_mbps','urllc_qos_share','embb_qos_share']].to_string())"
