import json,glob,statistics as st,collections
d=collections.defaultdict(dict)
for f in glob.glob('j-*.json'):
    _,r,t,b=f[:-5].split('-')
    j=json.load(open(f))
    res=j['results'][0] if 'results' in j else j[0] if isinstance(j,list) else j
    d[(t,r)][b]=(min(res['trainStepSamples']),st.median(res['trainStepSamples']),min(res['evalStepSamples']))
for t in ['1','2']:
    rmin=[];rmed=[];rev=[]
    for r in sorted(set(k[1] for k in d if k[0]==t),key=int):
        x=d[(t,r)]
        if 'base' in x and 'avx' in x:
            rmin.append(x['base'][0]/x['avx'][0]); rmed.append(x['base'][1]/x['avx'][1]); rev.append(x['base'][2]/x['avx'][2])
    if rmin:
        print('threads',t,'n=%d'%len(rmin),'speed-up (base/avx) min-step: median %.3f [%s]'%(st.median(rmin),' '.join('%.2f'%v for v in rmin)))
        print('   median-step: median %.3f [%s]'%(st.median(rmed),' '.join('%.2f'%v for v in rmed)))
        print('   eval min: median %.3f [%s]'%(st.median(rev),' '.join('%.2f'%v for v in rev)))
    allb=[d[k]['base'][0] for k in d if k[0]==t and 'base' in d[k]]; alla=[d[k]['avx'][0] for k in d if k[0]==t and 'avx' in d[k]]
    if allb and alla: print('   best step overall: base %.1f ms, avx %.1f ms'%(min(allb)*1e3,min(alla)*1e3))
