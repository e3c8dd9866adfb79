. scripts/gpu-host-env.sh > /dev/null
python3 .gpujob/bcsweep.py 230 1.0 2>&1 | tee $OUT/bcsweep.txt
