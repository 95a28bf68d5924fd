package org.postern.smtp.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Mail to postmaster@ and abuse@ while no postmaster account is configured: one file per
 * message ({@code <millis>-<id>.eml}, RFC 5322 text with CRLF), owner-only, made durable (file
 * and directory synced) before the 250, in {@code postern-data/role-mail}. The operator reads
 * them with any mail reader or pager and deletes them; setting {@code postmaster.account} sends
 * later role mail to that account and leaves these files where they are.
 */
final class RoleMail {
    private RoleMail() {
    }

    static void keep(Path dir, String id, byte[] received, MessageContent content) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        String name = System.currentTimeMillis() + "-" + id + ".eml";
        Path tmp = dir.resolve("." + name + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                OutputStream out = Channels.newOutputStream(ch);
                InputStream body = content.open()) {
            out.write(received);
            body.transferTo(out);
            out.flush();
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
