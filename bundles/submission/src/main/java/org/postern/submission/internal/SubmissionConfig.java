package org.postern.submission.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Postern submission",
        description = "Mail sent by accounts: size, sending limits and the header fields removed for privacy")
@interface SubmissionConfig {
    String PID = "org.postern.submission";

    @AttributeDefinition(name = "Host name", description = "Named in the Received header; empty: this machine's name")
    String hostname() default "";

    @AttributeDefinition(name = "Maximum message size", description = "Octets")
    long max_message_size() default 26_214_400L;

    @AttributeDefinition(name = "Recipients per message")
    int max_recipients() default 100;

    @AttributeDefinition(name = "Messages per hour", description = "Per account, on this node")
    int messages_per_hour() default 200;

    @AttributeDefinition(name = "Recipients per day", description = "Per account, on this node")
    int recipients_per_day() default 1000;

    @AttributeDefinition(name = "Header fields removed",
            description = "Fields that name the client, its address or its software; Received and Bcc are always removed")
    String[] strip_headers() default {"X-Originating-IP", "X-Mailer", "User-Agent", "X-Forwarded-For", "X-Real-IP",
        "X-Client-IP", "X-Sender-IP", "X-MimeOLE", "X-Newsreader", "X-Remote-Addr"};
}
