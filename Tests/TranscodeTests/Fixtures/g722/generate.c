/*
 * Reference vectors for the Swift G.722 codec (Sources/Transcode/G722*.swift), produced by
 * spandsp's independent C implementation (g722_encode / g722_decode, 64000 bit/s,
 * options 0: 16 kHz linear audio, one unpacked code per octet).
 *
 * Build and run from the repository root (see ../README.md):
 *
 *   cc -std=c99 -O2 -Wall -o /tmp/g722-generate \
 *       Tests/TranscodeTests/Fixtures/g722/generate.c -lspandsp -lm
 *   /tmp/g722-generate Tests/TranscodeTests/Fixtures/g722
 *
 * Writes (all little-endian; 16-bit samples are signed):
 *   input_16k.bin    the test signal, 28000 x int16 at 16 kHz (1.75 s)
 *   encoded_64k.bin  g722_encode(input) at 64000 bit/s, 14000 octets
 *   decoded_64k.bin  g722_decode(encoded) at 64000 bit/s (mode 1), 28000 x int16
 *   decoded_56k.bin  the same octets decoded as mode 2 (56 kbit/s): spandsp's unpacked
 *                    56000 bit/s decoder takes 7-bit codes, so each octet is shifted right
 *                    by 1, dropping the bit G.722 mode 2 gives to auxiliary data
 *   decoded_48k.bin  likewise as mode 3 (48 kbit/s), octets shifted right by 2
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>

#define WIDEBAND_RATE 16000
#define PI 3.14159265358979323846
#define TOTAL 28000

static int16_t input[TOTAL];
static uint8_t encoded[TOTAL / 2];
static int16_t decoded[TOTAL];

/* xorshift32: a portable, deterministic noise source (no libc rand()). */
static uint32_t noise_state = 0x12345678u;
static int32_t next_noise(void)
{
    noise_state ^= noise_state << 13;
    noise_state ^= noise_state >> 17;
    noise_state ^= noise_state << 5;
    return (int32_t) (noise_state >> 16) - 32768; /* -32768 ... 32767 */
}

static int16_t clip16(double value)
{
    long rounded = lround(value);
    if (rounded > 32767)
        return 32767;
    if (rounded < -32768)
        return -32768;
    return (int16_t) rounded;
}

/* Segments, in samples at 16 kHz; the comments give their purpose. */
static void make_signal(void)
{
    int n = 0;
    /* 50 ms digital silence: the codec's start-up state. */
    for (; n < 800; n++)
        input[n] = 0;
    /* 0.6 s linear chirp 50 Hz -> 7950 Hz at -6 dBFS: both sub-bands and the QMF transition. */
    {
        const int start = n, length = 9600;
        const double f0 = 50.0, f1 = 7950.0, duration = length / (double) WIDEBAND_RATE;
        for (; n < start + length; n++) {
            double t = (n - start) / (double) WIDEBAND_RATE;
            double phase = 2.0 * PI * (f0 * t + 0.5 * (f1 - f0) / duration * t * t);
            input[n] = clip16(16384.0 * sin(phase));
        }
    }
    /* 0.5 s speech-like bursts: noise through a low-pass and a resonance that moves, under
       raised-cosine "syllable" envelopes of 100 ms with varying peak levels. */
    {
        static const double peaks[5] = { 30000.0, 6000.0, 1500.0, 20000.0, 400.0 };
        const int start = n, length = 8000, syllable = 1600;
        double lp = 0.0, y1 = 0.0, y2 = 0.0;
        for (; n < start + length; n++) {
            int k = n - start;
            int index = k / syllable;
            double position = (k % syllable) / (double) syllable;
            double envelope = 0.5 - 0.5 * cos(2.0 * PI * position);
            double formant = 300.0 + 2700.0 * (index + position) / 5.0;
            double w = 2.0 * PI * formant / WIDEBAND_RATE, radius = 0.97;
            double x;
            lp = 0.7 * lp + 0.3 * (next_noise() / 32768.0);
            x = lp + 2.0 * radius * cos(w) * y1 - radius * radius * y2;
            y2 = y1;
            y1 = x;
            input[n] = clip16(peaks[index] * envelope * x * 0.12);
        }
    }
    /* 0.2 s full-scale 400 Hz square (+32767 / -32768): saturation and limiting paths. */
    for (int start = n; n < start + 3200; n++)
        input[n] = ((n - start) % 40 < 20) ? 32767 : -32768;
    /* 0.1 s full-scale 2 kHz square: overload with energy in the upper band. */
    for (int start = n; n < start + 1600; n++)
        input[n] = ((n - start) % 8 < 4) ? 32767 : -32768;
    /* 0.1 s 1 kHz + 6 kHz, 12000 each: one tone per sub-band. */
    for (int start = n; n < start + 1600; n++) {
        double t = (n - start) / (double) WIDEBAND_RATE;
        input[n] = clip16(12000.0 * sin(2.0 * PI * 1000.0 * t) + 12000.0 * sin(2.0 * PI * 6000.0 * t));
    }
    /* 50 ms low-level noise in -3 ... 3: the smallest scale factors. */
    for (int start = n; n < start + 800; n++)
        input[n] = (int16_t) ((next_noise() & 0x7FFF) % 7 - 3);
    /* 50 ms DC at -20000: a step in and out. */
    for (int start = n; n < start + 800; n++)
        input[n] = -20000;
    /* 0.1 s silence: the decay of both predictors. */
    for (; n < TOTAL; n++)
        input[n] = 0;
}

static void write_file(const char *dir, const char *name, const void *data, size_t bytes)
{
    char path[4096];
    FILE *file;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if ((file = fopen(path, "wb")) == NULL || fwrite(data, 1, bytes, file) != bytes || fclose(file) != 0) {
        perror(path);
        exit(1);
    }
}

/* Writes samples as little-endian int16 whatever the host byte order. */
static void write_samples(const char *dir, const char *name, const int16_t *samples, int count)
{
    static uint8_t bytes[2 * TOTAL];
    for (int i = 0; i < count; i++) {
        bytes[2 * i] = (uint8_t) ((uint16_t) samples[i] & 0xFF);
        bytes[2 * i + 1] = (uint8_t) ((uint16_t) samples[i] >> 8);
    }
    write_file(dir, name, bytes, 2 * (size_t) count);
}

/* Decodes `encoded` at `rate`, feeding spandsp octets shifted right by `shift` (0, 1, 2). */
static void decode_at(const char *dir, const char *name, int rate, int shift)
{
    static uint8_t codes[TOTAL / 2];
    g722_decode_state_t *decoder = g722_decode_init(NULL, rate, 0);
    int count;
    for (int i = 0; i < TOTAL / 2; i++)
        codes[i] = (uint8_t) (encoded[i] >> shift);
    count = g722_decode(decoder, decoded, codes, TOTAL / 2);
    if (count != TOTAL) {
        fprintf(stderr, "%s: decoded %d samples, want %d\n", name, count, TOTAL);
        exit(1);
    }
    g722_decode_free(decoder);
    write_samples(dir, name, decoded, TOTAL);
}

int main(int argc, char *argv[])
{
    const char *dir = (argc > 1) ? argv[1] : ".";
    g722_encode_state_t *encoder;
    int bytes;

    make_signal();
    write_samples(dir, "input_16k.bin", input, TOTAL);

    encoder = g722_encode_init(NULL, 64000, 0);
    bytes = g722_encode(encoder, encoded, input, TOTAL);
    if (bytes != TOTAL / 2) {
        fprintf(stderr, "encoded %d octets, want %d\n", bytes, TOTAL / 2);
        return 1;
    }
    g722_encode_free(encoder);
    write_file(dir, "encoded_64k.bin", encoded, TOTAL / 2);

    decode_at(dir, "decoded_64k.bin", 64000, 0);
    decode_at(dir, "decoded_56k.bin", 56000, 1);
    decode_at(dir, "decoded_48k.bin", 48000, 2);
    return 0;
}
