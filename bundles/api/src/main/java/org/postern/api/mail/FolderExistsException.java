package org.postern.api.mail;

/** A folder of that name exists already. */
public class FolderExistsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public FolderExistsException(String folder) {
        super("folder " + folder + " exists");
    }
}
