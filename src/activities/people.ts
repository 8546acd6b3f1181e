import { Context, heartbeat } from '@temporalio/activity';
import { withHeartbeats, type ActivityDeps } from './context';
import { scorePeopleFile, type ScorePeopleInput } from '../services/people';

export function createPeopleActivities(deps: ActivityDeps) {
  return {
    /** cpu: person presence of every staged image vector (CLIP zero-shot), as a file for io. */
    async scorePeople(input: ScorePeopleInput): Promise<{ file: string; photos: number }> {
      let scored = 0;
      // Loading the text tower is awaited, so this timer keeps heartbeats going meanwhile.
      const done = await withHeartbeats(
        () => ({ scored }),
        () =>
          scorePeopleFile(deps.config, input, (n) => {
            scored = n;
            heartbeat({ scored });
            Context.current().cancellationSignal.throwIfAborted();
          }),
      );
      return { file: done.file, photos: done.photos };
    },
  };
}
