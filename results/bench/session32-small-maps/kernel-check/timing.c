#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
void old_masklab_fused_winograd_image(const float*,const float*,const float*,long,long,long,long,float*,float*);
void old_masklab_fused_winograd_weight_gradient(const float*,const float*,long,long,long,long,float*,float*);
void masklab_fused_winograd_images(const float*,long,const float*,const float*,long,long,long,long,float*,float*);
void masklab_fused_winograd_weight_gradient(const float*,const float*,long,long,long,long,long,float*,float*);
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1e3+t.tv_nsec*1e-6;}
static int cmp(const void*a,const void*b){double x=*(double*)a,y=*(double*)b;return x<y?-1:x>y;}
int main(void){
  long shapes[][4]={{16,16,32,32},{32,32,16,16}};
  for(int s=0;s<2;s++){
    long c=shapes[s][0],o=shapes[s][1],h=shapes[s][2],w=shapes[s][3],n=128,pl=h*w;
    float*x=malloc(4*n*c*pl),*dy=malloc(4*n*o*pl),*u=malloc(4*16*o*c),*b=malloc(4*o);
    for(long i=0;i<n*c*pl;i++)x[i]=(float)rand()/(float)RAND_MAX; for(long i=0;i<n*o*pl;i++)dy[i]=(float)rand()/(float)RAND_MAX;
    for(long i=0;i<16*o*c;i++)u[i]=(float)rand()/(float)RAND_MAX; for(long i=0;i<o;i++)b[i]=0.1f;
    float*y=calloc(n*o*pl,4),*d=calloc(16*o*c,4),*sc=aligned_alloc(64,4*(256*(c+o)+64));
    enum{R=21}; double tf[2][R],tw[2][R];
    for(int r=0;r<R+2;r++) for(int v0=0;v0<2;v0++){ int v=(r&1)?1-v0:v0; double t0=now();
        for(long i=0;i<n;i++){ if(v==0) old_masklab_fused_winograd_image(x+i*c*pl,u,b,c,o,h,w,y+i*o*pl,sc); else masklab_fused_winograd_images(x+i*c*pl,1,u,b,c,o,h,w,y+i*o*pl,sc);}
        double t1=now();
        for(long i=0;i<n;i++){ if(v==0) old_masklab_fused_winograd_weight_gradient(x+i*c*pl,dy+i*o*pl,c,o,h,w,d,sc); else masklab_fused_winograd_weight_gradient(x+i*c*pl,dy+i*o*pl,1,c,o,h,w,d,sc);}
        double t2=now(); if(r>=2){tf[v][r-2]=t1-t0; tw[v][r-2]=t2-t1;} }
    for(int v=0;v<2;v++){qsort(tf[v],R,8,cmp);qsort(tw[v],R,8,cmp);}
    printf("%ld->%ld %ldx%ld: forward old %.2f new %.2f ms (new/old %.3f); dU old %.2f new %.2f (%.3f)\n",c,o,h,w,tf[0][R/2],tf[1][R/2],tf[1][R/2]/tf[0][R/2],tw[0][R/2],tw[1][R/2],tw[1][R/2]/tw[0][R/2]);
  }
}
