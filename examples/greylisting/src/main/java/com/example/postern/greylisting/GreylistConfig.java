package com.example.postern.greylisting;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Greylisting (example plugin)")
@interface GreylistConfig {
    String PID = "com.example.postern.greylisting";

    @AttributeDefinition(description = "Seconds a first-seen triple must wait before a retry is accepted")
    long delay_seconds() default 300;

    @AttributeDefinition(description = "Hours a triple is remembered after it was last seen")
    long expire_hours() default 36;

    @AttributeDefinition(description = "Upper bound on remembered triples (oldest dropped first)")
    int max_entries() default 100_000;
}
