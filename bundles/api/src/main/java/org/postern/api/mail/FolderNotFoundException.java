package org.postern.api.mail;

/** No such folder (or no longer the one with that UIDVALIDITY). */
public class FolderNotFoundException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public FolderNotFoundException(String folder) {
        super("no folder " + folder);
    }
}
