import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import {
  RunClient,
  RunNotFoundError,
  RunStateError,
  type RunDetail,
  type RunSummaryItem,
} from '../../temporal/run-client';
import { RunRequestError } from '../../runs/run-request';
import { OptionValueError, requestFromApi } from '../../runs/run-options';
import type { StartRunDto } from './start-run.dto';
import { prepareRun, startPreparedRun } from '../../temporal/start-run';
import type { ResumeArgs } from '../../workflows/definitions';

export const RUN_CLIENT = Symbol('RUN_CLIENT');

/** Maps the shared RunClient onto HTTP semantics: bad input 400, unknown run 404, wrong state 409. */
@Injectable()
export class RunsService {
  constructor(@Inject(RUN_CLIENT) private readonly runs: RunClient) {}

  async start(body: StartRunDto): Promise<{ id: string; attached: boolean }> {
    const config = await this.translateAsync(async () => prepareRun(requestFromApi(body)));
    const { workflowId, attached } = await startPreparedRun(this.runs, config);
    return { id: workflowId, attached };
  }

  list(): Promise<RunSummaryItem[]> {
    return this.runs.list();
  }

  get(id: string): Promise<RunDetail> {
    return this.translateAsync(() => this.runs.detail(id));
  }

  async act(
    id: string,
    action: 'pause' | 'resume' | 'cancel',
    args: ResumeArgs = {},
  ): Promise<{ id: string; action: string }> {
    await this.translateAsync(() =>
      action === 'resume' ? this.runs.resume(id, args) : this.runs[action](id),
    );
    return { id, action };
  }

  private async translateAsync<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.httpError(err);
    }
  }

  private httpError(err: unknown): unknown {
    if (err instanceof RunRequestError || err instanceof OptionValueError)
      return new BadRequestException(err.message);
    if (err instanceof RunNotFoundError) return new NotFoundException(err.message);
    if (err instanceof RunStateError) return new ConflictException(err.message);
    return err;
  }
}
