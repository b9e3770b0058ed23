// Session 13: the compute probe of MaskLab (ComputeProbe) in C, printing each thread's CPU (getcpu).
// Build: gcc -O2 -pthread probe.c -o probe -lopenblas. PIN=<cpu> pins the worker thread to that CPU.
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>
#include <cblas.h>
#define N 96
static float buf[2][3*N*N];
static atomic_int go, arrived, started_flag; static long start_ns; static long ends[2]; static int cpus[2];
static atomic_int quit;
static long ns(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1000000000L+t.tv_nsec;}
static void burst(int s){float*a=buf[s],*b=a+N*N,*c=b+N*N;for(int i=0;i<12;i++)cblas_sgemm(CblasRowMajor,CblasNoTrans,CblasNoTrans,N,N,N,1,a,N,b,N,0,c,N);}
static void meet(void){ if(atomic_fetch_add(&arrived,1)+1==2){start_ns=ns();atomic_store(&started_flag,1);} while(!atomic_load(&started_flag));}
static void* worker(void*x){int seen=0; if(getenv("PIN")){cpu_set_t s;CPU_ZERO(&s);CPU_SET(atoi(getenv("PIN")),&s);sched_setaffinity(0,sizeof s,&s);}for(;;){int g;int spins=0;while((g=atomic_load(&go))==seen){if(atomic_load(&quit))return 0; if(++spins>20000) sched_yield();} seen=g; meet(); burst(1); ends[1]=ns(); cpus[1]=sched_getcpu(); atomic_fetch_add(&arrived,10);} }
int main(int argc,char**argv){ openblas_set_num_threads(1); for(int s=0;s<2;s++)for(int i=0;i<3*N*N;i++)buf[s][i]=(i%7)*0.125f-0.375f;
 pthread_t t; pthread_create(&t,0,worker,0); burst(0);
 for(int r=0;r<12;r++){ usleep(200); long t0=ns(); burst(0); long alone=ns()-t0; int c0=sched_getcpu();
   atomic_store(&arrived,0); atomic_store(&started_flag,0); atomic_fetch_add(&go,1);
   meet(); burst(0); ends[0]=ns(); cpus[0]=sched_getcpu(); while(atomic_load(&arrived)<12);
   long last=ends[0]>ends[1]?ends[0]:ends[1]; printf("r%d alone %ld us ratio %.2f cpus main %d/%d worker %d\n",r,alone/1000,2.0*alone/(last-start_ns),c0,cpus[0],cpus[1]); }
 atomic_store(&quit,1); return 0;}
