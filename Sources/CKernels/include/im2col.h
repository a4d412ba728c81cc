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

// Blocked layout (batch innermost): a block of `nb` images keeps pixel (r, c) of all of them
// side by side, `planes[(r·pw + c)·nb + b]`, and its columns are `(r, c, b)` ordered. A tap's
// copy then moves runs of nb floats (16: one AVX-512 vector), or ow·nb at stride 1, instead
// of short rows; see Im2col.swift.

// dst[(r·ow + c)·nb + b] = planes[(r·sh·pw + c·sw)·nb + b]
void sg_im2col_blocked(const float *planes, long pw, long nb, long sh, long sw,
                       float *dst, long oh, long ow);

// planes[(r·sh·pw + c·sw)·nb + b] += src[(r·ow + c)·nb + b]
void sg_col2im_blocked(const float *src, float *planes, long pw, long nb, long sh, long sw,
                       long oh, long ow);

// dst[p·nb + b] = src[b·src_stride + p] for p < n, b < nb: nb image rows into the blocked layout.
void sg_to_blocked(const float *src, long src_stride, long n, long nb, float *dst);

// dst[b·dst_stride + p] = src[p·nb + b] + bias: the blocked layout back into nb image rows.
void sg_from_blocked(const float *src, long n, long nb, float *dst, long dst_stride, float bias);

#endif
