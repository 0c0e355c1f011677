/* healthcmd: the `repeater health` subcommand. */
#ifndef AG_HEALTHCMD_H
#define AG_HEALTHCMD_H

/* argv[0] is "health". Returns the process exit status. */
int ag_health_command(int argc, char **argv);

#endif
