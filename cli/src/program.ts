// The `strata` command: every package's sub-command under one program.
import { Command } from 'commander';
import { clientCommand } from '@strata/client-lib';
import { keygenCommand } from '@strata/core';
import { directoryCommand } from '@strata/directory/cli';
import { mixCommand } from '@strata/mix-node/cli';
import { providerCommand } from '@strata/provider/cli';
import { testnetCommand } from './testnet/command.js';

export function strataProgram(): Command {
  return new Command('strata')
    .description('Strata: a mixnet-first anonymous routing overlay')
    .addCommand(keygenCommand())
    .addCommand(directoryCommand())
    .addCommand(mixCommand())
    .addCommand(providerCommand())
    .addCommand(clientCommand())
    .addCommand(testnetCommand());
}
