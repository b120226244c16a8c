/* The peak rate of fused multiply-adds on one core, with AVX2 (8 lanes) and
 * AVX-512 (16 lanes): twelve independent chains of FMAs in registers, no memory.
 * On the project's Zen 4 machine both give about 117 GFLOP/s: its AVX-512 unit
 * runs a 512-bit FMA as two 256-bit halves, so an AVX-512 matrix kernel could not
 * do more arithmetic per cycle than the AVX2 one (nn-core/src/gemm/mod.rs).
 *
 *     gcc -O2 benchmarks/fma_peak.c -o /tmp/fma_peak && /tmp/fma_peak
 */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
#define ITER 20000000L
#define BODY(T, F) a0=F(a0,b,c);a1=F(a1,b,c);a2=F(a2,b,c);a3=F(a3,b,c);a4=F(a4,b,c);a5=F(a5,b,c);a6=F(a6,b,c);a7=F(a7,b,c);a8=F(a8,b,c);a9=F(a9,b,c);a10=F(a10,b,c);a11=F(a11,b,c);
__attribute__((target("avx2,fma"))) double ymm(void){
  __m256 b=_mm256_set1_ps(1.0000001f), c=_mm256_set1_ps(1e-7f);
  __m256 a0=_mm256_set1_ps(0.1f),a1=_mm256_set1_ps(0.2f),a2=_mm256_set1_ps(0.3f),a3=_mm256_set1_ps(0.4f),a4=_mm256_set1_ps(0.5f),a5=_mm256_set1_ps(0.6f),a6=_mm256_set1_ps(0.7f),a7=_mm256_set1_ps(0.8f),a8=_mm256_set1_ps(0.9f),a9=_mm256_set1_ps(1.1f),a10=_mm256_set1_ps(1.2f),a11=_mm256_set1_ps(1.3f);
  double t=now(); for(long k=0;k<ITER;k++){ BODY(__m256,_mm256_fmadd_ps) } t=now()-t;
  __m256 s=_mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0,a1),_mm256_add_ps(a2,a3)),_mm256_add_ps(_mm256_add_ps(a4,a5),_mm256_add_ps(_mm256_add_ps(a6,a7),_mm256_add_ps(_mm256_add_ps(a8,a9),_mm256_add_ps(a10,a11)))));
  if(s[0]==1234) printf("x"); return ITER*12.0*8*2/t/1e9; }
__attribute__((target("avx512f"))) double zmm(void){
  __m512 b=_mm512_set1_ps(1.0000001f), c=_mm512_set1_ps(1e-7f);
  __m512 a0=_mm512_set1_ps(0.1f),a1=_mm512_set1_ps(0.2f),a2=_mm512_set1_ps(0.3f),a3=_mm512_set1_ps(0.4f),a4=_mm512_set1_ps(0.5f),a5=_mm512_set1_ps(0.6f),a6=_mm512_set1_ps(0.7f),a7=_mm512_set1_ps(0.8f),a8=_mm512_set1_ps(0.9f),a9=_mm512_set1_ps(1.1f),a10=_mm512_set1_ps(1.2f),a11=_mm512_set1_ps(1.3f);
  double t=now(); for(long k=0;k<ITER;k++){ BODY(__m512,_mm512_fmadd_ps) } t=now()-t;
  __m512 s=_mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0,a1),_mm512_add_ps(a2,a3)),_mm512_add_ps(_mm512_add_ps(a4,a5),_mm512_add_ps(_mm512_add_ps(a6,a7),_mm512_add_ps(_mm512_add_ps(a8,a9),_mm512_add_ps(a10,a11)))));
  if(s[0]==1234) printf("x"); return ITER*12.0*16*2/t/1e9; }
int main(){ for(int r=0;r<5;r++) printf("one core: ymm %.1f GFLOP/s  zmm %.1f GFLOP/s\n", ymm(), zmm()); }
