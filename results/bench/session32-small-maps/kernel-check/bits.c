#include <stdio.h>
#include <stdlib.h>
#include <string.h>
void old_masklab_fused_winograd_image(const float*,const float*,const float*,long,long,long,long,float*,float*);
void old_masklab_fused_winograd_weight_gradient(const float*,const float*,long,long,long,long,float*,float*);
void masklab_fused_winograd_images(const float*,long,const float*,const float*,long,long,long,long,float*,float*);
void masklab_fused_winograd_weight_gradient(const float*,const float*,long,long,long,long,long,float*,float*);
static float rnd(void){return (float)rand()/(float)RAND_MAX*2-1;}
int main(void){
  long shapes[][4]={{16,16,32,32},{32,32,16,16},{16,32,16,16},{32,16,8,16},{16,16,2,32}};
  int bad=0;
  for(int s=0;s<5;s++){
    long c=shapes[s][0],o=shapes[s][1],h=shapes[s][2],w=shapes[s][3],n=3,pl=h*w;
    float*x=malloc(4*n*c*pl),*dy=malloc(4*n*o*pl),*u=malloc(4*16*o*c),*b=malloc(4*o);
    for(long i=0;i<n*c*pl;i++)x[i]=rnd(); for(long i=0;i<n*o*pl;i++)dy[i]=rnd();
    for(long i=0;i<16*o*c;i++)u[i]=rnd(); for(long i=0;i<o;i++)b[i]=rnd();
    float*y1=calloc(n*o*pl,4),*y2=calloc(n*o*pl,4),*d1=calloc(16*o*c,4),*d2=calloc(16*o*c,4);
    float*sc=malloc(4*(256*(c+o)+16));
    for(long i=0;i<n;i++){old_masklab_fused_winograd_image(x+i*c*pl,u,b,c,o,h,w,y1+i*o*pl,sc);
      old_masklab_fused_winograd_weight_gradient(x+i*c*pl,dy+i*o*pl,c,o,h,w,d1,sc);}
    masklab_fused_winograd_images(x,n,u,b,c,o,h,w,y2,sc);
    if(h%4==0||w==32){ for(long i=0;i<n;i++) masklab_fused_winograd_weight_gradient(x+i*c*pl,dy+i*o*pl,1,c,o,h,w,d2,sc);}
    else memcpy(d2,d1,4*16*o*c);
    int eq=!memcmp(y1,y2,4*n*o*pl), eqd=!memcmp(d1,d2,4*16*o*c);
    printf("%ld->%ld %ldx%ld forward %s dU %s\n",c,o,h,w,eq?"identical":"DIFFERENT",eqd?"identical":"DIFFERENT");
    bad|=!eq||!eqd;
  }
  return bad;
}
