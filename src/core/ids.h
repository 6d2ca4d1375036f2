/* ids.h — random identifiers. */
#ifndef PASSAGENT_IDS_H
#define PASSAGENT_IDS_H

#define ID_UUID_CHARS 36

/* A random (version 4) UUID in its 36-character text form. */
void id_uuid4(char out[ID_UUID_CHARS + 1]);

#endif
