import json,glob,re,sys,statistics as st,os
d=sys.argv[1]; names=sys.argv[2:]
rows={}
for n in names:
    for f in sorted(glob.glob(f"{d}/{n}-round*.txt")):
        r=int(re.search(r'round(\d+)',f).group(1))
        txt=open(f).read()
        m=re.search(r'"trainImagesPerSecond":([0-9.]+)',txt); e=re.search(r'"evalImagesPerSecond":([0-9.]+)',txt)
        rt=re.search(r'"roundTripNanoseconds":\[([0-9,]+)\]',txt); sp=re.search(r'"trainSpreadRegionsPerStep":([0-9]+)',txt)
        cpu=float(open(f[:-4]+'.perf').read().split('task-clock')[0].strip().split('\n')[-1].split(',')[0])
        rows.setdefault(r,{})[n]=(float(m.group(1)),float(e.group(1)),cpu,rt.group(1),sp.group(1))
a,b=names[0],names[1]
ratios=[];cr=[]
for r in sorted(rows):
    x=rows[r]
    if a in x and b in x:
        ratios.append(x[b][0]/x[a][0]); cr.append(x[b][2]/x[a][2])
        print(f"round {r}: {a} {x[a][0]:.1f} img/s {x[a][2]:.0f} ms CPU rt {x[a][3]} spread {x[a][4]} | {b} {x[b][0]:.1f} img/s {x[b][2]:.0f} ms CPU rt {x[b][3]} spread {x[b][4]} | ratio {ratios[-1]:.3f} cpu {cr[-1]:.3f}")
print(f"median train ratio new/base {st.median(ratios):.3f} (range {min(ratios):.3f}-{max(ratios):.3f}); median CPU-time ratio {st.median(cr):.3f} (range {min(cr):.3f}-{max(cr):.3f})")
