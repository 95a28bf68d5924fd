package org.postern.webmail.internal;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * RFC 6238 time-based one-time passwords as every authenticator app makes them: HMAC-SHA-1 (RFC
 * 4226), six digits, 30-second steps, a 160-bit secret shown in base32 (RFC 4648). A code is
 * accepted for the step before and after the current one (clock drift and typing time); which
 * step matched is returned so that the caller can refuse it a second time.
 */
final class Totp {
    static final long STEP_SECONDS = 30;
    static final int DIGITS = 6;
    private static final int SECRET_BYTES = 20;
    private static final char[] BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private Totp() {
    }

    static byte[] newSecret() {
        byte[] s = new byte[SECRET_BYTES];
        RANDOM.nextBytes(s);
        return s;
    }

    static long step(Instant when) {
        return Math.floorDiv(when.getEpochSecond(), STEP_SECONDS);
    }

    /** The code for a step, as the six digits an app shows. */
    static String code(byte[] secret, long step) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(secret, "HmacSHA1"));
            byte[] counter = new byte[8];
            for (int i = 7; i >= 0; i--) {
                counter[i] = (byte) step;
                step >>>= 8;
            }
            byte[] h = mac.doFinal(counter);
            int offset = h[h.length - 1] & 0x0f;
            int binary = ((h[offset] & 0x7f) << 24) | ((h[offset + 1] & 0xff) << 16) | ((h[offset + 2] & 0xff) << 8)
                    | (h[offset + 3] & 0xff);
            String digits = Integer.toString(binary % 1_000_000);
            return "0".repeat(DIGITS - digits.length()) + digits;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 is part of every Java runtime", e);
        }
    }

    /**
     * The step whose code {@code given} is, among the previous, the current and the next one, or -1.
     * Every candidate is compared, in constant time, whatever matched first.
     */
    static long matchingStep(byte[] secret, String given, Instant now) {
        if (given == null || given.length() != DIGITS || !given.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        long current = step(now);
        long found = -1;
        byte[] g = given.getBytes(StandardCharsets.US_ASCII);
        for (long s = current - 1; s <= current + 1; s++) {
            if (MessageDigest.isEqual(code(secret, s).getBytes(StandardCharsets.US_ASCII), g) && found < 0) {
                found = s;
            }
        }
        return found;
    }

    static String base32(byte[] data) {
        StringBuilder b = new StringBuilder((data.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte d : data) {
            buffer = (buffer << 8) | (d & 0xff);
            bits += 8;
            while (bits >= 5) {
                b.append(BASE32[(buffer >>> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0) {
            b.append(BASE32[(buffer << (5 - bits)) & 31]);
        }
        return b.toString();
    }

    /** Base32 in groups of four, easier to type from a screen. */
    static String grouped(String base32) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < base32.length(); i += 4) {
            if (i > 0) {
                b.append(' ');
            }
            b.append(base32, i, Math.min(base32.length(), i + 4));
        }
        return b.toString();
    }

    /** The Key Uri Format every authenticator app reads (what the QR code holds). */
    static String otpauthUri(String issuer, String account, byte[] secret) {
        String label = URLEncoder.encode(issuer, StandardCharsets.UTF_8).replace("+", "%20") + ":"
                + URLEncoder.encode(account, StandardCharsets.UTF_8).replace("+", "%20");
        return "otpauth://totp/" + label + "?secret=" + base32(secret) + "&issuer="
                + URLEncoder.encode(issuer, StandardCharsets.UTF_8).replace("+", "%20")
                + "&algorithm=SHA1&digits=" + DIGITS + "&period=" + STEP_SECONDS;
    }
}
