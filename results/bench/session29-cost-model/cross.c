// Cross-core streaming read cost: thread A writes N bytes, thread B reads them; vs B reading its own.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sched.h>
static long ns(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1000000000L+t.tv_nsec;}
static _Atomic int phase=0; static float *buf; static long n; static volatile float sink;
static void pin(int c){cpu_set_t s;CPU_ZERO(&s);CPU_SET(c,&s);pthread_setaffinity_np(pthread_self(),sizeof s,&s);}
static void *writer(void*a){pin(1);for(;;){int p;while((p=atomic_load(&phase))%2==0){if(p<0)return 0;}
  if(p<0)return 0; for(long i=0;i<n;i++)buf[i]=(float)(i+p); atomic_store(&phase,p+1);} }
static float readsum(void){float s0=0,s1=0,s2=0,s3=0;for(long i=0;i<n;i+=4){s0+=buf[i];s1+=buf[i+1];s2+=buf[i+2];s3+=buf[i+3];}return s0+s1+s2+s3;}
int main(int argc,char**argv){long bytes=atol(argv[1]);n=bytes/4;buf=aligned_alloc(64,bytes);memset(buf,0,bytes);pin(0);
 pthread_t t;pthread_create(&t,0,writer,0);long cross[41],own[41];
 for(int r=0;r<41;r++){int p=2*r+1;atomic_store(&phase,p);while(atomic_load(&phase)==p);
   long t0=ns();sink=readsum();cross[r]=ns()-t0;
   for(long i=0;i<n;i++)buf[i]=(float)i; t0=ns();sink=readsum();own[r]=ns()-t0;}
 atomic_store(&phase,-2);pthread_join(t,0);
 int cmp(const void*a,const void*b){long x=*(long*)a,y=*(long*)b;return x<y?-1:x>y;}
 qsort(cross,41,8,cmp);qsort(own,41,8,cmp);
 printf("%ld KB: cross %.1f us (%.2f ns/line), own %.1f us (%.2f ns/line)\n",bytes/1024,cross[20]/1e3,cross[20]/(bytes/64.0),own[20]/1e3,own[20]/(bytes/64.0));}
