import subprocess,sys,re
def shares(f):
    out=subprocess.run(["perf","report","-i",f,"--no-children","--sort","symbol","--stdio"],capture_output=True,text=True).stdout
    g={}
    for line in out.splitlines():
        m=re.match(r'\s+([0-9.]+)%\s+\[(.)\]\s+(\S+)',line)
        if not m: continue
        p=float(m.group(1)); k=m.group(2); s=m.group(3)
        if k=='k': key='kernel'
        elif 'sgemm_' in s and 'copy' in s: key='GEMM packing (OpenBLAS copy)'
        elif 'sgemm' in s: key='GEMM compute (OpenBLAS kernels)'
        elif 'WinogradF4' in s: key='Winograd F4 (inference passes)'
        elif 'Winograd' in s and 'transformInput_' in s and 'Gradient' not in s: key='Winograd F2 input transform'
        elif 'Winograd' in s and ('transformWeight' in s): key='Winograd F2 weight transforms'
        elif 'Winograd' in s: key='Winograd F2 other transforms and bodies'
        elif 'Im2Col' in s and ('im2col' in s or 'col2im' in s or 'gatherEven' in s or 'scatterAddEven' in s): key='im2col / col2im'
        elif 'Im2Col' in s: key='pack / unpack / bias sums'
        elif 'Normalization' in s: key='BatchNorm kernels'
        elif 'memset' in s or 'memmove' in s or 'memcpy' in s: key='memset / memcpy'
        elif 'Elementwise' in s: key='elementwise (ReLU, adds)'
        else: key='other'
        g[key]=g.get(key,0)+p
    return g
fs=sys.argv[1:]
gs=[shares(f) for f in fs]
keys=sorted(set().union(*gs),key=lambda k:-gs[0].get(k,0))
print("| where | "+" | ".join(fs)+" |")
for k in keys: print(f"| {k} | "+" | ".join(f"{g.get(k,0):.1f} %" for g in gs)+" |")
