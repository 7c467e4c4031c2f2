import { PodiumError } from '../../contracts/problems.js';

/**
 * Errors of the container engine, apart from the client that raises them: the evaluation
 * path tells them apart without loading any engine code.
 */

export class BuildError extends PodiumError {
  readonly log: string;
  /** What stopped it: the Dockerfile's own failure, a limit, or a cancellation. */
  readonly reason: 'failed' | 'timed-out' | 'too-large' | 'cancelled';
  constructor(message: string, log: string, reason: BuildError['reason'] = 'failed', options?: ErrorOptions) {
    super(message, options);
    this.name = 'BuildError';
    this.log = log;
    this.reason = reason;
  }
}

/** No engine answers where Podium looks for one (the socket or host that DOCKER_HOST names, else the default socket). */
export class EngineUnavailableError extends PodiumError {
  /** Where Podium looked, as DOCKER_HOST would say it (unix:///var/run/docker.sock). */
  readonly address: string;
  constructor(message: string, address: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EngineUnavailableError';
    this.address = address;
  }
}

/** The engine answered, and refused: its HTTP status and its own message. */
export class EngineApiError extends PodiumError {
  readonly status: number;
  /** The engine's message, as it wrote it. */
  readonly engineMessage: string;
  constructor(status: number, engineMessage: string, request: string) {
    super(`${engineMessage} (the Docker engine answered ${status} to ${request})`);
    this.name = 'EngineApiError';
    this.status = status;
    this.engineMessage = engineMessage;
  }
}
