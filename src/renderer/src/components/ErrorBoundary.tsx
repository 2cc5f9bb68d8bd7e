import { Component, type ReactNode } from 'react';

interface State {
  error: Error | null;
}

/** Last line of defence: a rendering bug shows a message and a way back, never a blank window. */
export class ErrorBoundary extends Component<{ children: ReactNode; onReset: () => void }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="error-banner" role="alert">
        <div>
          <strong>The inspector hit an unexpected problem</strong> <code className="error-code">INTERNAL</code>
          <div className="error-message">{this.state.error.message}</div>
        </div>
        <button
          type="button"
          onClick={() => {
            this.setState({ error: null });
            this.props.onReset();
          }}
        >
          Back to open screen
        </button>
      </div>
    );
  }
}
