// Session panel for the dashboard. // want: -
import React, { useEffect, useState } from "react";

type Props = { // want: type Props
  sessionId: string;
  onClose?: () => void; // want: type Props
};

interface Row { // want: interface Row
  line: number;
  ai: boolean;
}

export const Badge = ({ ai }: { ai: boolean }) => ( // want: function Badge
  <span className={ai ? "ai" : "human"}>{ai ? "AI" : "human"}</span> // want: function Badge
); // want: function Badge

export function Panel({ sessionId, onClose }: Props) { // want: function Panel
  const [rows, setRows] = useState<Row[]>([]);

  useEffect(() => { // want: function Panel
    let live = true;
    fetch(`/api/sessions/${sessionId}/lines`)
      .then((r) => r.json())
      .then((data: Row[]) => live && setRows(data));
    return () => { // want: function Panel
      live = false;
    };
  }, [sessionId]);

  const renderRow = (row: Row) => ( // want: function Panel.renderRow
    <tr key={row.line}>
      <td>{row.line}</td>
      <td>
        <Badge ai={row.ai} /> {/* want: function Panel.renderRow */}
      </td>
    </tr>
  );

  return ( // want: function Panel
    <div className="panel">
      <button onClick={() => onClose?.()}>close</button>
      <table>
        <tbody>{rows.map(renderRow)}</tbody>
      </table>
    </div>
  );
} // want: function Panel

export class ErrorBoundary extends React.Component<Props, { failed: boolean }> { // want: class ErrorBoundary
  state = { failed: false };

  static getDerivedStateFromError() { // want: method ErrorBoundary.getDerivedStateFromError
    return { failed: true };
  }

  render() { // want: method ErrorBoundary.render
    if (this.state.failed) {
      return <p>Something went wrong.</p>;
    }
    return this.props.children as React.ReactNode; // want: method ErrorBoundary.render
  }
} // want: class ErrorBoundary

export default function App() { // want: function App
  return <Panel sessionId="s1" />;
}
