#ifndef SWIFTGAN_IM2COL_H
#define SWIFTGAN_IM2COL_H

// The inner loops of im2col and col2im for one kernel tap over a block of images: short
// rows (7-28 floats in a DCGAN) read or written with a stride, which scalar code copies one
// float at a time. The AVX-512 versions move a row with one masked load and store.
//
// Image b's window grid is `oh x ow`; its source row r starts at
// `planes + b * plane_stride + r * row_step` and its pixels are `stride` floats apart.

// dst[b·oh·ow + r·ow + c] = planes[b·plane_stride + r·row_step + c·stride]
void sg_im2col_tap(const float *planes, long plane_stride, long row_step, long stride,
                   float *dst, long images, long oh, long ow);

// planes[b·plane_stride + r·row_step + c·stride] += src[b·oh·ow + r·ow + c]
void sg_col2im_tap(const float *src, float *planes, long plane_stride, long row_step, long stride,
                   long images, long oh, long ow);

#endif
