package org.postern.webmail.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.postern.core.store.TotpRepository;

/**
 * The webmail's TOTP second factor (DESIGN section 5): enrolment confirmed by a first code, login
 * codes accepted once each (a code's step must be later than every step accepted before, checked
 * by the database so two nodes agree), and ten one-time recovery codes kept only as SHA-256.
 */
final class SecondFactor {
    static final int RECOVERY_CODES = 10;
    private static final char[] ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789".toCharArray(); // no 0/O, 1/I
    private static final SecureRandom RANDOM = new SecureRandom();

    private final TotpRepository repository;
    private final TotpSealer sealer;
    private final Clock clock;

    SecondFactor(TotpRepository repository, TotpSealer sealer, Clock clock) {
        this.repository = repository;
        this.sealer = sealer;
        this.clock = clock;
    }

    boolean enabled(String accountId) {
        return repository.find(accountId).isPresent();
    }

    int recoveryCodesLeft(String accountId) {
        return repository.recoveryCodesLeft(accountId);
    }

    /**
     * Turns TOTP on with {@code secret} if {@code code} is its current code.
     *
     * @return the recovery codes to show once, or empty when the code is wrong
     */
    Optional<List<String>> enable(String accountId, byte[] secret, String code) {
        long step = Totp.matchingStep(secret, normalizeCode(code), clock.instant());
        if (step < 0) {
            return Optional.empty();
        }
        List<String> codes = new ArrayList<>(RECOVERY_CODES);
        List<String> hashes = new ArrayList<>(RECOVERY_CODES);
        for (int i = 0; i < RECOVERY_CODES; i++) {
            String c = recoveryCode();
            codes.add(c);
            hashes.add(sealer.mac(accountId, normalizeRecovery(c)));
        }
        repository.enable(accountId, sealer.seal(secret, accountId), sealer.id(), step, hashes, clock.instant());
        return Optional.of(codes);
    }

    boolean disable(String accountId) {
        return repository.disable(accountId);
    }

    /**
     * Whether {@code input} (six digits, or a recovery code) completes the login now; a code that
     * was accepted once is never accepted again, and a recovery code is spent.
     */
    boolean verify(String accountId, String input) {
        if (input == null || input.length() > 64) {
            return false;
        }
        Optional<TotpRepository.Factor> factor = repository.find(accountId);
        if (factor.isEmpty()) {
            return false;
        }
        String digits = normalizeCode(input);
        if (digits.length() == Totp.DIGITS && digits.chars().allMatch(Character::isDigit)) {
            byte[] secret = sealer.open(factor.get().sealedSecret(), accountId);
            if (secret == null) {
                return false; // sealed under another key file: the README says what to do
            }
            try {
                long step = Totp.matchingStep(secret, digits, clock.instant());
                return step >= 0 && repository.useStep(accountId, step);
            } finally {
                Arrays.fill(secret, (byte) 0);
            }
        }
        String recovery = normalizeRecovery(input);
        return recovery.length() == 10 && repository.useRecoveryCode(accountId, sealer.mac(accountId, recovery));
    }

    /** Whether the stored secret opens with this node's key (false: another node's key file). */
    boolean keyMatches(String accountId) {
        return repository.find(accountId).map(f -> f.keyId().equals(sealer.id())).orElse(true);
    }

    private static String normalizeCode(String code) {
        return code == null ? "" : code.replace(" ", "").strip();
    }

    private static String normalizeRecovery(String code) {
        StringBuilder b = new StringBuilder(10);
        for (char c : code.toCharArray()) {
            if (c != '-' && c != ' ') {
                b.append(Character.toUpperCase(c));
            }
        }
        return b.toString().toUpperCase(Locale.ROOT);
    }

    private static String recoveryCode() {
        char[] c = new char[11];
        for (int i = 0; i < c.length; i++) {
            c[i] = i == 5 ? '-' : ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return new String(c);
    }
}
