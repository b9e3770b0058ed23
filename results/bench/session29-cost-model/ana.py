import sys, statistics as st, collections
rows=[l.split() for l in open(sys.argv[1]) if l[0].isdigit()]
d=collections.defaultdict(dict)
for r in rows:
    d[(r[0],r[2])][r[3]]=(float(r[4]),float(r[5]),r[1])
for w in ['resnet18-w16','mlp','resnet18-w64']:
    ks=[k for k in d if k[1]==w]
    if not ks: continue
    vs=sorted({v for k in ks for v in d[k]})
    print(w, 'pingpong', [d[k][vs[0]][2] for k in sorted(ks)])
    for v in vs:
        tr=[d[k][v][0] for k in sorted(ks) if v in d[k]]; ev=[d[k][v][1] for k in sorted(ks) if v in d[k]]
        print(f"  {v:5s} train med {st.median(tr):9.1f} {[round(x) for x in tr]}  eval med {st.median(ev):9.1f}")
    for a,b in [('l100','def'),('all','def'),('all','l100')]:
        if a in vs and b in vs:
            rt=[d[k][a][0]/d[k][b][0] for k in sorted(ks)]; re=[d[k][a][1]/d[k][b][1] for k in sorted(ks)]
            print(f"  {a}/{b}: train med {st.median(rt):.3f} ({sum(x>1 for x in rt)}/{len(rt)} faster)  eval med {st.median(re):.3f}")
