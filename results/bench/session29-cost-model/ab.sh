#!/bin/bash
M=/tmp/masklab-exp; D=$1; R=${2:-8}; mkdir -p $D
for i in $(seq 1 $R); do
  pp=$(/tmp/pingpong | awk '{print $3}')
  vs="def l100 all"; [ $((i%2)) = 0 ] && vs="all l100 def"
  for w in resnet18-w16 mlp; do
   st=8; [ $w = mlp ] && st=300
   for v in $vs; do
    case $v in def) E=""; X="";; l100) E="MASKLAB_LPRT=100"; X="";; all) E=""; X="--round-trip 0 --compute-speedup 2";; esac
    env $E $M bench --workloads $w --steps $st --threads 2 $X > $D/$w-$v-$i.txt 2>&1
    echo "$i $pp $w $v $(grep "^$w " $D/$w-$v-$i.txt | awk '{print $3, $10}') $(grep -o 'round trip [0-9]*/[0-9]* ns' $D/$w-$v-$i.txt | head -1) $(grep -o 'per train step [0-9]* ([0-9]* on' $D/$w-$v-$i.txt)" >> $D/summary.txt
   done
  done
  $M bench --workloads mlp --steps 300 --threads 1 > $D/mlp-1t-$i.txt 2>&1
  echo "$i $pp mlp 1t $(grep "^mlp " $D/mlp-1t-$i.txt | awk '{print $3, $10}')" >> $D/summary.txt
done
echo done >> $D/summary.txt
